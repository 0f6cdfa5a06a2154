// A test double of the vendor's ctibar.js (seed 003), which cannot be shipped: the documented
// constructor `new Ctibar({url, token, infoLog, errLog}, callback).initSDK()`, the documented methods,
// and the documented callbacks, over a websocket to tests/desk/fake_cti.py.
(function (global) {
  "use strict";
  var SIMPLE = ["login", "logout", "ready", "busy", "rest", "offhook", "hangup", "hold", "unhold",
                "consultComplete", "consultCancel"];

  function Ctibar(config, callback) {
    this.config = config || {};
    this.callback = callback || {};
    this.ws = null;
  }
  Ctibar.prototype._info = function (info, type) { if (this.config.infoLog) { this.config.infoLog(info, type); } };
  Ctibar.prototype._err = function (err) { if (this.config.errLog) { this.config.errLog(err); } };
  Ctibar.prototype._send = function (message) {
    if (!this.ws || this.ws.readyState !== 1) { this._err("websocket not connected"); return; }
    this.ws.send(JSON.stringify(message));
  };
  Ctibar.prototype.initSDK = function () {
    var self = this;
    var ws = new WebSocket(this.config.url);
    this.ws = ws;
    ws.onopen = function () { ws.send(JSON.stringify({ op: "auth", token: self.config.token })); };
    ws.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.error) { self._err(data.error); return; }
      self._info(data.event, "event");
      var handler = self.callback[data.event];
      if (typeof handler === "function") { handler(data.data || {}); }
    };
    ws.onerror = function () { self._err("websocket error"); };
    ws.onclose = function () {
      if (self.ws === ws && typeof self.callback.onDisconnect === "function") { self.callback.onDisconnect(); }
    };
  };
  SIMPLE.forEach(function (op) {
    Ctibar.prototype[op] = function () { this._send({ op: op }); };
  });
  Ctibar.prototype.makecall = function (to) { this._send({ op: "makecall", to: String(to) }); };
  Ctibar.prototype.transfer = function (to, type) { this._send({ op: "transfer", to: String(to), type: type }); };
  Ctibar.prototype.consult = function (to) { this._send({ op: "consult", to: String(to) }); };
  global.Ctibar = Ctibar;
})(window);
