/*
 * The chat socket client shared by the customer widget and the staff console
 * (docs/protocol.md). It keeps one socket alive, answers heartbeats, resumes
 * every conversation from the last sequence number shown, and resends
 * messages written while offline with their client_msg_id, so nothing is lost
 * or shown twice.
 */
(function (global) {
  "use strict";

  var REQUEST_TIMEOUT_MS = 15000;
  // Reconnect backoff: 0.5 s doubling to 30 s, with full jitter so that a
  // thousand widgets dropped by one server restart do not return in step.
  var BACKOFF_BASE_MS = 500;
  var BACKOFF_CAP_MS = 30000;
  // Codes after which reconnecting would only fail again.
  var FINAL_CLOSE_CODES = { 4001: "unauthorized" };

  function ChatConnection(options) {
    this.url = options.url;
    this.helloData = options.helloData || function () { return {}; };
    this.onHello = options.onHello || function () {};
    this.onHelloRefused = options.onHelloRefused || function () {};
    this.onEvent = options.onEvent || function () {};
    this.onStatus = options.onStatus || function () {};
    this.onMessageState = options.onMessageState || function () {};
    // For a message written before its conversation exists (the widget's first
    // one): returns a promise of the conversation id, called when it can be sent.
    this.resolveConversation = options.resolveConversation || function () { return Promise.reject(new Error("no conversation")); };
    this.socket = null;
    this.status = "connecting";
    this.attempt = 0;
    this.requestCount = 0;
    this.pendingRequests = {};
    this.lastSeq = {};          // conversation id -> newest seq shown
    this.outbox = [];           // messages not yet acknowledged, in order
    this.reconnectTimer = null;
    this.stopped = false;
    var self = this;
    global.addEventListener("online", function () { self.reconnectNow(); });
    global.addEventListener("offline", function () { self.setStatus("offline"); if (self.socket) self.socket.close(); });
    global.document.addEventListener("visibilitychange", function () {
      if (global.document.visibilityState === "visible") self.reconnectNow();
    });
  }

  ChatConnection.prototype.setStatus = function (status, detail) {
    this.status = status;
    this.onStatus(status, detail || {});
  };

  ChatConnection.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    if (global.navigator.onLine === false) { this.setStatus("offline"); return; }
    clearTimeout(this.reconnectTimer);
    this.setStatus(this.attempt ? "reconnecting" : "connecting", { seconds: 0 });
    var socket = new global.WebSocket(this.url);
    this.socket = socket;
    socket.onmessage = function (message) { self.handleFrame(socket, message.data); };
    socket.onclose = function (close) { self.handleClose(socket, close.code); };
  };

  ChatConnection.prototype.reconnectNow = function () {
    if (this.stopped) return;
    if (!this.socket || this.socket.readyState === global.WebSocket.CLOSED) {
      this.attempt = Math.max(this.attempt, 1);
      this.connect();
    }
  };

  ChatConnection.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    if (this.socket) this.socket.close(1000);
  };

  ChatConnection.prototype.handleClose = function (socket, code) {
    if (socket !== this.socket) return;
    var id;
    for (id in this.pendingRequests) this.pendingRequests[id].reject(new Error("connection lost"));
    this.pendingRequests = {};
    if (this.stopped) { this.setStatus("closed"); return; }
    if (FINAL_CLOSE_CODES[code]) { this.stopped = true; this.setStatus("closed", { reason: FINAL_CLOSE_CODES[code] }); return; }
    if (global.navigator.onLine === false) { this.setStatus("offline"); return; }
    this.attempt += 1;
    // 3333 is a drain: another server process is ready, come back at once.
    var ceiling = code === 3333 ? BACKOFF_BASE_MS : Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, this.attempt));
    var delay = Math.round(Math.random() * ceiling);
    this.setStatus("reconnecting", { seconds: Math.ceil(delay / 1000) });
    var self = this;
    this.reconnectTimer = setTimeout(function () { self.connect(); }, delay);
  };

  ChatConnection.prototype.handleFrame = function (socket, text) {
    var frame;
    try { frame = JSON.parse(text); } catch (error) { return; }
    if (frame.type === "request") {
      // Server requests (the heartbeat ping) are answered at once.
      socket.send(JSON.stringify({ type: "response", id: frame.id, ok: true, data: {} }));
    } else if (frame.type === "response") {
      // The answer to message.send carries the sender's own message.new, in
      // its place in the stream; taken even if the request gave up waiting.
      if (frame.ok && frame.data && frame.data.event) this.receiveEvent(frame.data.event.type, frame.data.event);
      var pending = this.pendingRequests[frame.id];
      if (!pending) return;
      delete this.pendingRequests[frame.id];
      if (frame.ok) pending.resolve(frame.data); else pending.reject(Object.assign(new Error(frame.error.detail), frame.error));
    } else if (frame.type === "event") {
      if (frame.event === "connection.ready") { this.start(); return; }
      if (frame.event === "events.replay") {
        for (var i = 0; i < frame.data.events.length; i++) this.receiveEvent(frame.data.events[i].type, frame.data.events[i]);
        return;
      }
      this.receiveEvent(frame.event, frame.data);
    }
  };

  ChatConnection.prototype.receiveEvent = function (name, data) {
    if (typeof data.seq === "number") {
      var last = this.lastSeq[data.conversation] || 0;
      if (data.seq <= last) return;           // seen already (replay overlap)
      this.lastSeq[data.conversation] = data.seq;
    }
    this.onEvent(name, data);
  };

  ChatConnection.prototype.start = function () {
    var self = this;
    this.request("hello", this.helloData()).then(function (hello) {
      self.attempt = 0;
      self.setStatus("online");
      return Promise.resolve(self.onHello(hello)).then(function () {
        return Promise.all(Object.keys(self.lastSeq).map(function (id) { return self.subscribe(id); }));
      }).then(function () { self.flushOutbox(); });
    }, function (error) {
      if (error && error.reason === "forbidden") { self.onHelloRefused(error); self.start(); return; }
      if (self.socket) self.socket.close();
    });
  };

  ChatConnection.prototype.subscribe = function (conversationId) {
    if (!(conversationId in this.lastSeq)) this.lastSeq[conversationId] = 0;
    return this.request("conversation.subscribe", { conversation: conversationId, after_seq: this.lastSeq[conversationId] });
  };

  ChatConnection.prototype.request = function (action, data) {
    var self = this;
    return new Promise(function (resolve, reject) {
      if (!self.socket || self.socket.readyState !== global.WebSocket.OPEN) { reject(new Error("not connected")); return; }
      self.requestCount += 1;
      var id = "c" + self.requestCount;
      var timer = setTimeout(function () {
        if (self.pendingRequests[id]) { delete self.pendingRequests[id]; reject({ reason: "timeout", detail: "no answer" }); }
      }, REQUEST_TIMEOUT_MS);
      self.pendingRequests[id] = {
        resolve: function (value) { clearTimeout(timer); resolve(value); },
        reject: function (error) { clearTimeout(timer); reject(error); },
      };
      self.socket.send(JSON.stringify({ type: "request", id: id, action: action, data: data || {} }));
    });
  };

  /* Queue a message; `conversationId` may be null when the conversation is
   * started on the first send (see resolveConversation). */
  ChatConnection.prototype.sendMessage = function (conversationId, body) {
    var message = {
      conversation: conversationId,
      body: body,
      client_msg_id: "m-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10),
    };
    this.outbox.push(message);
    this.onMessageState(message, "pending");
    this.flushOutbox();
    return message;
  };

  ChatConnection.prototype.flushOutbox = function () {
    var self = this;
    if (this.flushing || this.status !== "online" || !this.outbox.length) return;
    this.flushing = true;
    var message = this.outbox[0];
    var conversation = message.conversation ? Promise.resolve(message.conversation) : this.resolveConversation();
    conversation.then(function (id) {
      message.conversation = id;
      return self.request("message.send", message);
    }).then(function (answer) {
      self.outbox.shift();
      self.onMessageState(message, "sent", answer);
    }, function (error) {
      // Refused for good (ended, invalid): drop it; lost connection: keep it
      // for the next flush, the client_msg_id makes the retry safe.
      if (error && error.reason && error.reason !== "timeout" && error.reason !== "rate_limited") {
        self.outbox.shift();
        self.onMessageState(message, "failed", error);
      }
      return new Promise(function (resolve) { setTimeout(resolve, error && error.reason === "rate_limited" ? 1000 : 0); });
    }).then(function () {
      self.flushing = false;
      if (self.status === "online" && self.outbox.length) self.flushOutbox();
    });
  };

  global.ChatConnection = ChatConnection;
})(window);
