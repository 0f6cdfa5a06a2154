// batch-dialer console: a little plain JavaScript for the live parts (no build step, no CDN).
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "–"; }
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h) { return h + "小时" + m + "分"; }
    if (m) { return m + "分" + (s % 60) + "秒"; }
    return s + "秒";
  }

  // Import job: follow the dry run / import and reload when the state changes.
  var job = document.getElementById("job");
  if (job && (job.dataset.jobState === "previewing" || job.dataset.jobState === "importing")) {
    var bar = document.getElementById("job-progress");
    var pollJob = function () {
      getJSON("/api/imports/" + job.dataset.jobId).then(function (data) {
        if (bar) { bar.value = data.progress; }
        if (data.state !== job.dataset.jobState) { window.location.reload(); return; }
        window.setTimeout(pollJob, 700);
      }).catch(function () { window.setTimeout(pollJob, 2000); });
    };
    window.setTimeout(pollJob, 400);
  }

  // Campaign form: show the fields of the chosen kind; preview TTS text and the forecast.
  var form = document.getElementById("campaign-form");
  if (form) {
    var kind = document.getElementById("kind");
    var showKind = function () {
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        el.hidden = el.dataset.kinds.split(" ").indexOf(kind.value) < 0;
      });
    };
    kind.addEventListener("change", showKind);
    showKind();
    document.getElementById("preview-button").addEventListener("click", function () {
      var box = document.getElementById("preview"), err = document.getElementById("preview-error");
      var tts = document.getElementById("preview-tts"), fc = document.getElementById("preview-forecast");
      box.hidden = false; err.hidden = true; tts.textContent = ""; fc.textContent = "计算中…";
      fetch("/api/campaigns/preview", {
        method: "POST", credentials: "same-origin", body: new FormData(form), headers: { "X-CSRF-Token": csrf }
      }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (res) {
          if (!res.ok) { err.textContent = res.data.detail; err.hidden = false; fc.textContent = ""; return; }
          Object.keys(res.data.tts).forEach(function (k) {
            var p = document.createElement("div"); p.className = "tts-text";
            p.textContent = k + "：" + res.data.tts[k]; tts.appendChild(p);
          });
          var ph = res.data.placeholders || {}, who = document.getElementById("preview-who");
          var gaps = document.getElementById("preview-gaps"), notes = [];
          who.textContent = ph.contact ? "按联系人 " + (ph.contact.name || "（无姓名）") + " " + ph.contact.phone + " 预览" :
            "拨打对象里没有联系人，用示例预览";
          (ph.empty || []).forEach(function (n) { notes.push("{" + n + "} 对这位联系人是空的"); });
          Object.keys(ph.missing || {}).forEach(function (n) {
            if (ph.missing[n] > 0) { notes.push(ph.missing[n] + " 人没有 {" + n + "}，听到的这里是空白"); }
          });
          if (res.data.forecast.contacts === 0) { notes.unshift("没有符合条件的联系人：这个活动不会拨打任何号码"); }
          gaps.textContent = notes.join("；"); gaps.hidden = notes.length === 0;
          var f = res.data.forecast;
          fc.textContent = f.contacts + " 人，预计拨打约 " + Math.round(f.expected_attempts) + " 次，需拨打时段内 " +
            duration(f.open_seconds) + "，预计完成于 " + new Date(f.ends_at).toLocaleString("zh-CN") +
            "（依据：" + f.mix.source + "）";
        }).catch(function () { err.textContent = "预览失败，请稍后再试"; err.hidden = false; });
    });
  }

  // Live view: refresh the figures and the channel chart by itself.
  var live = document.getElementById("live");
  if (live) {
    var chart = document.getElementById("channel-chart");
    var svgNS = "http://www.w3.org/2000/svg";
    var el = function (name, attrs) {
      var node = document.createElementNS(svgNS, name);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      return node;
    };
    var draw = function (data) {
      var W = 600, H = 160, L = 34, B = 20, T = 8;
      var pts = data.channel_history || [];
      var span = 60;  // grow with the history kept, up to the monitor's window
      pts.forEach(function (p) { span = Math.max(span, p.ago_s); });
      span = Math.min(span, data.window_s || 600);
      var top = Math.max(data.channels || 1, 1);
      pts.forEach(function (p) { top = Math.max(top, p.centre || 0, p.queue || 0); });
      while (chart.firstChild) { chart.removeChild(chart.firstChild); }
      var x = function (ago) { return L + (W - L - 6) * (1 - Math.min(ago, span) / span); };
      var y = function (v) { return T + (H - T - B) * (1 - v / top); };
      [0, top / 2, top].forEach(function (v) {
        chart.appendChild(el("line", { x1: L, x2: W - 6, y1: y(v), y2: y(v), stroke: "#e3e6ea" }));
        var t = el("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 12, fill: "#67707a" });
        t.textContent = Math.round(v); chart.appendChild(t);
      });
      var lbl = el("text", { x: W - 6, y: H - 4, "text-anchor": "end", "font-size": 12, fill: "#67707a" });
      lbl.textContent = "现在"; chart.appendChild(lbl);
      var lbl2 = el("text", { x: L, y: H - 4, "font-size": 12, fill: "#67707a" });
      lbl2.textContent = span >= 120 ? "-" + Math.round(span / 60) + " 分钟" : "-" + Math.round(span) + " 秒";
      chart.appendChild(lbl2);
      chart.appendChild(el("line", { x1: L, x2: W - 6, y1: y(data.channels), y2: y(data.channels),
        stroke: "#c0392b", "stroke-dasharray": "4 3" }));
      var line = function (key, colour) {
        var d = "";
        pts.forEach(function (p) {
          if (p[key] === null || p[key] === undefined) { return; }
          d += (d ? " L" : "M") + x(p.ago_s).toFixed(1) + " " + y(p[key]).toFixed(1);
        });
        if (d) { chart.appendChild(el("path", { d: d, fill: "none", stroke: colour, "stroke-width": 2 })); }
      };
      line("queue", "#8b8b8b");
      line("centre", "#2f6db5");
    };
    var statusLabels = { draft: "草稿", scheduled: "已排期", running: "进行中", paused: "已暂停", completed: "已完成", cancelled: "已取消" };
    var pollLive = function () {
      getJSON("/api/campaigns/" + live.dataset.campaignId).then(function (d) {
        Object.keys(d.live.display).forEach(function (key) {
          live.parentNode.querySelectorAll('[data-live="' + key + '"]').forEach(function (node) {
            node.textContent = d.live.display[key];
          });
        });
        var eng = document.getElementById("engine-status");
        if (eng && d.engine) {
          eng.textContent = d.engine.label;
          eng.className = "engine " + (d.engine.running ? "engine-on" : "engine-off");
        }
        var nextOpen = document.getElementById("next-open");
        if (nextOpen) { nextOpen.hidden = d.live.window_open; }
        Object.keys(d.by_state).forEach(function (s) {
          var cell = live.querySelector('[data-state="' + s + '"]');
          if (cell) { cell.textContent = d.by_state[s]; }
        });
        var prog = document.getElementById("live-progress");
        if (prog) { prog.max = d.live.progress_total || 1; prog.value = d.live.progress_done; }
        var st = document.getElementById("live-status");
        if (st) { st.textContent = statusLabels[d.status] || d.status; st.className = "status status-" + d.status; }
        live.dataset.status = d.status;
        document.getElementById("live-updated").textContent = d.live.display.updated;
        draw(d);
      }).catch(function () { /* keep the last figures; try again */ })
        .then(function () { window.setTimeout(pollLive, 2000); });
    };
    pollLive();
  }
})();
