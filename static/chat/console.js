/* The staff console: offers, the agent's conversations and a chat panel, over
 * the staff socket. It survives the agent's own network drops the same way
 * the widget does (static/chat/client.js): reconnect, resume, resend. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var conversations = {};   // id -> {summary, events: [], unread, guestOnline, queuePosition}
  var offers = {};          // reservation id -> payload
  var openId = null;
  var typingTimer = null, typingSent = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var connection = new window.ChatConnection({
    url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + $("console").getAttribute("data-ws-path"),
    onHello: function (hello) {
      if (hello.agent) $("agent-status").value = hello.agent.status;
      offers = {};
      (hello.offers || []).forEach(function (offer) { offers[offer.id] = offer; });
      renderOffers();
      return Promise.all(hello.conversations.map(function (summary) { return track(summary.id, summary); }));
    },
    onEvent: onEvent,
    onStatus: function (status, detail) {
      var text = { connecting: "Connecting…", online: "Online", offline: "Offline",
                   reconnecting: "Reconnecting in " + (detail.seconds || 0) + " s…", closed: "Disconnected — log in again" }[status];
      $("console-connection").textContent = text || status;
      $("console").setAttribute("data-connection", status);
    },
    onMessageState: function (message, state, answer) {
      if (state === "failed") window.alert("Not sent: " + answer.detail);
    },
  });
  connection.connect();

  function track(id, summary) {
    if (!conversations[id]) {
      conversations[id] = { summary: summary || { id: id }, events: [], unread: 0, guestOnline: false };
    }
    if (id in connection.lastSeq) { renderConversations(); return Promise.resolve(); }
    return connection.subscribe(id).then(function (subscribed) {
      var entry = conversations[id];
      entry.summary.status = subscribed.status;
      subscribed.participants.forEach(function (p) { if (p.kind === "guest") { entry.guestOnline = p.online; entry.guestName = p.name; } });
      renderConversations();
      if (id === openId) renderChat();
    });
  }

  function onEvent(name, data) {
    if (name === "reservation.offered") { offers[data.id] = data; renderOffers(); return; }
    if (name === "reservation.withdrawn" || name === "reservation.updated") {
      if (offers[data.id] && (name === "reservation.withdrawn" || data.status !== "offered")) { delete offers[data.id]; renderOffers(); }
      return;
    }
    if (name === "agent.status") { $("agent-status").value = data.status; return; }
    var entry = conversations[data.conversation];
    if (!entry) return;
    if (name === "presence" && data.actor.kind === "guest") { entry.guestOnline = data.online; }
    else if (name === "typing" && data.actor.kind === "guest") {
      if (data.conversation === openId) $("chat-typing").textContent = data.active ? "The customer is typing…" : "";
      return;
    } else if (name === "read") { return; }
    else if (typeof data.seq === "number") {
      entry.events.push(data);
      if (name === "message.new" && data.kind === "guest") {
        if (data.conversation === openId && document.visibilityState === "visible") markRead(data);
        else entry.unread += 1;
        if (data.conversation === openId) $("chat-typing").textContent = "";
      }
      if (name === "chat.ended") entry.summary.status = "ended";
      if (name === "participant.left" && data.data.user === undefined) { /* another agent left */ }
    }
    renderConversations();
    if (data.conversation === openId) renderChat();
  }

  function markRead(event) {
    connection.request("read", { conversation: event.conversation, seq: event.seq }).catch(function () {});
  }

  function renderOffers() {
    var list = $("offers");
    list.textContent = "";
    Object.keys(offers).forEach(function (id) {
      var offer = offers[id];
      var item = el("li", "offer");
      item.appendChild(el("span", "", (offer.queue_name || offer.queue || "Queue") + ": a customer waiting"
        + (offer.queue_position ? " (was number " + offer.queue_position + ")" : "")));
      var accept = el("button", "button default accept", "Accept");
      accept.type = "button";
      accept.addEventListener("click", function () {
        accept.disabled = true;
        connection.request("offer.accept", { reservation: id }).then(function (answer) {
          delete offers[id];
          renderOffers();
          conversations[answer.conversation] = conversations[answer.conversation] ||
            { summary: { id: answer.conversation }, events: [], unread: 0, guestOnline: false, queuePosition: offer.queue_position };
          return track(answer.conversation).then(function () { openChat(answer.conversation); });
        }, function (error) { accept.disabled = false; window.alert(error.detail || "The offer is gone."); });
      });
      item.appendChild(accept);
      list.appendChild(item);
    });
    if (!list.children.length) list.appendChild(el("li", "console-hint", "No offers right now."));
  }

  function renderConversations() {
    var list = $("conversations");
    list.textContent = "";
    Object.keys(conversations).forEach(function (id) {
      var entry = conversations[id];
      var item = el("li", entry.summary.status === "ended" ? "ended" : "");
      var open = el("button", "open", (entry.guestName || "Customer") + (entry.summary.status === "ended" ? " (ended)" : ""));
      open.type = "button";
      open.setAttribute("data-conversation", id);
      open.addEventListener("click", function () { openChat(id); });
      item.appendChild(open);
      var unread = el("span", "unread", entry.unread ? String(entry.unread) : "");
      unread.setAttribute("aria-label", entry.unread + " unread");
      item.appendChild(unread);
      list.appendChild(item);
    });
  }

  function openChat(id) {
    openId = id;
    var entry = conversations[id];
    entry.unread = 0;
    var last = entry.events[entry.events.length - 1];
    if (last) markRead(last);
    $("chat").hidden = false;
    renderConversations();
    renderChat();
    $("chat-input").focus();
  }

  function renderChat() {
    var entry = conversations[openId];
    $("chat-title").textContent = entry.guestName || "Customer";
    $("chat-presence").textContent = entry.guestOnline ? "Customer online" : "Customer offline";
    $("chat-presence").className = "presence" + (entry.guestOnline ? " online" : "");
    $("chat-queue-info").textContent = entry.queuePosition ? "Waited as number " + entry.queuePosition + " in the queue." : "";
    var log = $("chat-log");
    log.textContent = "";
    entry.events.forEach(function (event) {
      var item = el("li", "kind-" + event.kind);
      item.setAttribute("data-seq", event.seq);
      if (event.type === "message.new") {
        item.appendChild(el("span", "who", event.author ? event.author.name : "System"));
        item.appendChild(el("span", "body", event.body));
      } else {
        item.className = "kind-system";
        item.textContent = describe(event);
      }
      log.appendChild(item);
    });
    log.scrollTop = log.scrollHeight;
    var ended = entry.summary.status === "ended";
    ["chat-input", "transfer", "escalate", "end-chat"].forEach(function (control) { $(control).disabled = ended; });
  }

  function describe(event) {
    if (event.type === "participant.joined") return event.data.name + " joined.";
    if (event.type === "participant.left") return event.data.name + " left.";
    if (event.type === "conversation.escalated") return "Sent to the queue " + event.data.queue + ".";
    if (event.type === "chat.ended") return "The chat ended (" + (event.data.reason || event.data.ended_by) + ").";
    if (event.type === "survey.offered") return "A survey was offered to the customer.";
    return event.type;
  }

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = $("chat-input").value.trim();
    if (!body || !openId) return;
    $("chat-input").value = "";
    stopTyping();
    connection.sendMessage(openId, body);
  });
  $("chat-input").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("chat-form").requestSubmit(); }
  });
  $("chat-input").addEventListener("input", function () {
    if (!openId || connection.status !== "online") return;
    if (!typingSent) { typingSent = true; connection.request("typing", { conversation: openId, active: true }).catch(function () {}); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && openId && connection.status === "online") {
      connection.request("typing", { conversation: openId, active: false }).catch(function () {});
    }
    typingSent = false;
  }

  $("agent-status").addEventListener("change", function () {
    connection.request("agent.status", { status: $("agent-status").value }).catch(function (error) { window.alert(error.detail); });
  });
  function act(action, extra) {
    var data = Object.assign({ conversation: openId }, extra || {});
    return connection.request(action, data).catch(function (error) { window.alert(error.detail || "That did not work."); });
  }
  $("transfer").addEventListener("click", function () { act("conversation.transfer", { queue: $("target-queue").value }); });
  $("escalate").addEventListener("click", function () { act("conversation.escalate", { queue: $("target-queue").value }); });
  $("end-chat").addEventListener("click", function () {
    if (window.confirm("End this chat?")) act("conversation.end");
  });
  renderOffers();
})();
