// The agent desk: signs in to the CTI through our server, drives the vendor's ctibar.js, posts its
// events, and shows one contact at a time. The CTI token lives only in this closure; the full number
// only between 拨打 and makecall.
(function () {
  "use strict";
  var root = document.getElementById("desk");
  if (!root || typeof window.Ctibar !== "function") {
    var log0 = document.getElementById("desk-log");
    if (log0 && root) { log0.textContent = "电话条 SDK 未能加载，请检查 CTI 地址 / ctibar.js did not load"; }
    return;
  }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var leaseS = Number(root.dataset.leaseS) || 60;
  var $ = function (id) { return document.getElementById(id); };
  var ctibar = null, token = null, wsUrl = null, refreshTimer = null;
  var barState = "offline", offer = null, dialled = false, pendingDial = null;
  var answeredAt = null, talkTimer = null, polling = null;
  var LABEL = { csat: "满意度", busy: "忙", no_answer: "无人接听", empty: "空号", callback: "约定回拨", dnc: "勿扰",
                skipped: "跳过", answered: "接通", power_off: "关机", failed: "失败", unknown: "未知", abandoned: "未拨出" };
  var STATE_LABEL = { offline: "未连接", connected: "已连接", signed_in: "已签入", ready: "示闲", busy: "示忙",
                      rest: "小休", on_call: "通话中", wrap_up: "话后处理" };

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error(data.detail || ("HTTP " + r.status)); e.status = r.status; throw e; }
        return data;
      });
    });
  }
  function say(text) { $("desk-log").textContent = text; }
  function showError(id, text) { var el = $(id); el.textContent = text; el.hidden = !text; }
  function setBar(state) {
    barState = state;
    $("bar-state").textContent = STATE_LABEL[state] || state;
    $("bar-state").className = "status status-" + state;
    root.dataset.barState = state;
  }
  function report(state, extNo) { return post("/api/desk/state", { state: state, ext_no: extNo || null }).catch(function () {}); }

  // ---- CTI sign-in (once per shift) and token refresh ----
  function scheduleRefresh(refreshAt) {
    if (refreshTimer) { window.clearTimeout(refreshTimer); }
    var wait = Math.max(5000, new Date(refreshAt).getTime() - Date.now());
    refreshTimer = window.setTimeout(function () {
      post("/api/desk/cti/token").then(function (g) { token = g.token; scheduleRefresh(g.refresh_at); })
        .catch(function (e) { showError("cti-error", e.message); });
    }, Math.min(wait, 2147483000));
  }
  function startSdk() {
    var config = {
      url: wsUrl, token: token,
      infoLog: function (info) { root.dataset.lastInfo = String(info).slice(0, 80); },
      errLog: function (err) { showError("cti-error", "电话条错误：" + String(err).slice(0, 200)); }
    };
    ctibar = new window.Ctibar(config, callbacks);
    ctibar.initSDK();
  }
  $("cti-signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var field = $("cti-password"), password = field.value;
    field.value = "";
    showError("cti-error", "");
    say("正在登录电话条…");
    post("/api/desk/cti/signin", { password: password }).then(function (g) {
      password = null;
      token = g.token; wsUrl = g.ws_url;
      $("ext-no").textContent = g.ext_no;
      $("cti-signin-form").hidden = true;
      $("bar-buttons").hidden = false;
      scheduleRefresh(g.refresh_at);
      startSdk();
    }).catch(function (e) { password = null; say(""); showError("cti-error", e.message); });
  });

  // ---- the SDK's callbacks ----
  var callbacks = {
    onConnect: function () { setBar("connected"); say("电话条已连接，请签入"); },
    onDisconnect: function () {
      setBar("offline"); say("电话条断开连接");
      if (token) { window.setTimeout(function () { if (barState === "offline" && token) { startSdk(); } }, 3000); }
    },
    onLogin: function (data) {
      setBar("signed_in"); if (data && data.extNo) { $("ext-no").textContent = data.extNo; }
      report("signed_in", data && data.extNo); say("已签入，示闲后开始分配联系人");
    },
    onLogout: function () { setBar("connected"); report("offline"); stopPolling(); putBack(); },
    onReady: function () { setBar("ready"); report("ready"); if (!offer) { nextContact(); } },
    onBusy: function () {
      setBar("busy"); report("busy");
      if (pendingDial) { var to = pendingDial; pendingDial = null; ctibar.makecall(to); }
    },
    onRest: function () { setBar("rest"); report("rest"); stopPolling(); putBack(); },
    onRing: function (data) {
      $("call-state").textContent = "振铃中";
      if (offer && dialled) { event("ring", { callId: data && data.callId, direction: data && data.direction }); }
    },
    onAnswer: function () { if (offer && dialled) { $("call-state").textContent = "外呼中"; event("answer"); } },
    onCalleeAnswer: function () {
      if (!(offer && dialled)) { return; }
      $("call-state").textContent = "通话中"; answeredAt = Date.now();
      talkTimer = window.setInterval(function () {
        $("talk-time").textContent = Math.round((Date.now() - answeredAt) / 1000) + "秒";
      }, 500);
      event("callee_answer");
    },
    onHangup: function () {
      if (!(offer && dialled)) { return; }
      $("call-state").textContent = "挂机";
      if (talkTimer) { window.clearInterval(talkTimer); talkTimer = null; }
      ["btn-hangup", "btn-hold", "btn-unhold"].forEach(function (id) { $(id).disabled = true; });
      event("hangup").then(function () { $("disposition").hidden = false; root.dataset.phase = "disposition"; });
    }
  };
  function putBack() { // 小休 / 签出: the server gives an undialled contact back; hide it here too
    if (offer && !dialled) { offer = null; $("contact").hidden = true; root.dataset.phase = "away"; }
  }
  function event(name, extra) {
    var body = Object.assign({ event: name }, extra || {});
    return post("/api/desk/calls/" + offer.attempt_id + "/events", body).catch(function (e) { say(e.message); });
  }

  // ---- the contact ----
  function stopPolling() { if (polling) { window.clearTimeout(polling); polling = null; } }
  function nextContact() {
    stopPolling();
    post("/api/desk/next").then(function (res) {
      if (!res.offer) {
        offer = null; $("contact").hidden = true; $("no-contact").hidden = false; root.dataset.phase = "idle";
        if (barState === "ready") { polling = window.setTimeout(nextContact, 3000); }
        return;
      }
      showContact(res.offer);
    }).catch(function (e) { say(e.message); polling = window.setTimeout(nextContact, 5000); });
  }
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text == null ? "" : text; row.appendChild(td); }
  function showContact(card) {
    offer = card; dialled = card.dialled; answeredAt = null;
    $("no-contact").hidden = true; $("contact").hidden = false; $("disposition").hidden = true;
    $("c-name").textContent = card.name || "（无姓名）";
    $("c-campaign").textContent = card.campaign + " · 第 " + card.attempt_no + " 次";
    $("c-phone").textContent = card.phone_masked;
    $("c-company").textContent = card.company || "–";
    $("c-product").textContent = card.product || "–";
    $("c-script").textContent = card.script ? "话术：" + card.script : "";
    $("c-script").hidden = !card.script;
    $("c-note").textContent = card.note ? "备注：" + card.note : "";
    $("c-note").hidden = !card.note;
    $("c-callback").hidden = !card.callback_due;
    $("call-state").textContent = dialled ? "已拨打" : "未拨打";
    $("talk-time").textContent = "0秒";
    var extra = $("c-extra"); extra.textContent = "";
    Object.keys(card.extra || {}).forEach(function (k) {
      var tr = document.createElement("tr"); var th = document.createElement("th"); th.textContent = k;
      tr.appendChild(th); cell(tr, card.extra[k]); extra.appendChild(tr);
    });
    var hist = $("c-history");
    while (hist.rows.length > 1) { hist.deleteRow(1); }
    (card.history || []).forEach(function (h) {
      var tr = hist.insertRow(-1);
      cell(tr, h.at ? new Date(h.at).toLocaleString("zh-CN", { timeZone: card.tz || "Asia/Shanghai" }) : "");
      cell(tr, h.campaign);
      cell(tr, (LABEL[h.disposition] || LABEL[h.outcome] || h.disposition || h.outcome) + (h.csat ? " " + h.csat : ""));
      cell(tr, h.agent || "机器人"); cell(tr, h.note);
    });
    $("btn-dial").disabled = dialled; $("btn-skip").disabled = dialled;
    $("disp-note").value = ""; $("callback-at").value = ""; showError("disp-error", "");
    root.dataset.phase = "offer"; root.dataset.attemptId = String(card.attempt_id);
    if (card.dialled && card.hung_up) { $("disposition").hidden = false; root.dataset.phase = "disposition"; }
  }

  $("btn-dial").addEventListener("click", function () {
    if (!offer || !ctibar) { return; }
    $("btn-dial").disabled = true; $("btn-skip").disabled = true;
    post("/api/desk/offers/" + offer.attempt_id + "/dial").then(function (res) {
      dialled = true; root.dataset.phase = "dialling";
      ["btn-hangup", "btn-hold", "btn-unhold"].forEach(function (id) { $(id).disabled = false; });
      $("call-state").textContent = "呼叫中";
      // the document: 通常坐席状态需变更到示忙状态下外呼 (dial while busy, so no inbound call collides)
      if (barState === "busy") { ctibar.makecall(res.to); } else { pendingDial = res.to; ctibar.busy(); }
    }).catch(function (e) { say(e.message); $("btn-dial").disabled = false; $("btn-skip").disabled = false; });
  });
  $("btn-skip").addEventListener("click", function () {
    if (!offer) { return; }
    post("/api/desk/offers/" + offer.attempt_id + "/skip").then(function () { offer = null; nextContact(); })
      .catch(function (e) { say(e.message); });
  });
  $("btn-hangup").addEventListener("click", function () { if (ctibar) { ctibar.hangup(); } });
  $("btn-hold").addEventListener("click", function () { if (ctibar) { ctibar.hold(); } });
  $("btn-unhold").addEventListener("click", function () { if (ctibar) { ctibar.unhold(); } });
  $("btn-login").addEventListener("click", function () { if (ctibar) { ctibar.login(); } });
  $("btn-ready").addEventListener("click", function () { if (ctibar) { ctibar.ready(); } });
  $("btn-busy").addEventListener("click", function () { if (ctibar) { ctibar.busy(); } });
  $("btn-rest").addEventListener("click", function () { if (ctibar) { ctibar.rest(); } });
  $("btn-logout").addEventListener("click", function () { if (ctibar) { ctibar.logout(); } });

  // ---- the disposition ----
  document.querySelectorAll("#disposition [data-disp]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!offer) { return; }
      var body = { disposition: button.dataset.disp, note: $("disp-note").value || null };
      if (button.dataset.csat) { body.csat = Number(button.dataset.csat); }
      if (body.disposition === "callback") {
        if (!$("callback-at").value) { showError("disp-error", "请选择约定回拨时间"); return; }
        body.callback_at = $("callback-at").value;
      }
      post("/api/desk/calls/" + offer.attempt_id + "/disposition", body).then(function () {
        offer = null; dialled = false; $("disposition").hidden = true; $("contact").hidden = true;
        root.dataset.phase = "saved"; say("已保存");
        if (ctibar) { ctibar.ready(); } // back to 示闲: the next contact comes with onReady
      }).catch(function (e) { showError("disp-error", e.message); });
    });
  });

  // ---- the lease: a heartbeat keeps the offered contact on this desk ----
  window.setInterval(function () { post("/api/desk/heartbeat").catch(function () {}); }, Math.max(1000, leaseS * 1000 / 3));
})();
