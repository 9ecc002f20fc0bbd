/*
 * The customer chat widget. Embed on any page of an allowed origin:
 *
 *   <script src="https://chat.example.com/static/widget/widget.js" data-queue="support" async></script>
 *
 * It loads its strings, styles and the shared socket client from the same
 * place, keeps the guest's token in localStorage (a reload or a second tab
 * continues the same conversation), and renders every message as text.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script.src.replace(/\/static\/widget\/widget\.js.*$/, "");
  var queueName = script.getAttribute("data-queue") || "";
  var tokenKey = "contactcenter.guest-token:" + base;

  function load(src, done) {
    var tag = document.createElement("script");
    tag.src = base + src;
    tag.onload = done;
    document.head.appendChild(tag);
  }
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = base + "/static/widget/widget.css";
  document.head.appendChild(style);
  load("/static/widget/strings.js", function () { load("/static/chat/client.js", start); });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;  // text only: no HTML from a message ever runs
    return node;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function start() {
    var S = window.ContactCenterStrings;
    var state = { agentName: null, conversation: null, status: null, guestId: null, ended: false, shown: {}, reservation: null,
                  ownSeqs: [], typingTimer: null, typingSent: false };

    // -- layout --------------------------------------------------------------
    var root = el("div", "cc-root");
    var launcher = el("button", "cc-launcher", S.launcher);
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "cc-panel");
    var panel = el("section", "cc-panel");
    panel.id = "cc-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", S.title);
    var header = el("header", "cc-header");
    header.appendChild(el("h2", "cc-title", S.title));
    var status = el("p", "cc-status");
    status.setAttribute("role", "status");
    header.appendChild(status);
    var closeButton = el("button", "cc-close", "×");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", S.close);
    header.appendChild(closeButton);
    var log = el("ol", "cc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.appendChild(el("li", "cc-msg cc-bot cc-welcome", S.welcome));
    var queueBox = el("div", "cc-queue");
    queueBox.hidden = true;
    queueBox.setAttribute("aria-live", "polite");
    var typing = el("p", "cc-typing");
    typing.setAttribute("aria-live", "polite");
    var form = el("form", "cc-form");
    var label = el("label", "cc-visually-hidden", S.inputLabel);
    label.htmlFor = "cc-input";
    var input = el("textarea", "cc-input");
    input.id = "cc-input";
    input.rows = 2;
    input.placeholder = S.inputPlaceholder;
    var sendButton = el("button", "cc-send", S.send);
    sendButton.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(sendButton);
    var actions = el("div", "cc-actions");
    var endButton = el("button", "cc-end", S.endChat);
    endButton.type = "button";
    var transcriptButton = el("button", "cc-transcript", S.transcript);
    transcriptButton.type = "button";
    actions.appendChild(endButton);
    actions.appendChild(transcriptButton);
    var surveyBox = el("div", "cc-survey");
    surveyBox.hidden = true;
    [header, log, queueBox, typing, surveyBox, form, actions].forEach(function (node) { panel.appendChild(node); });
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    function openPanel(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) { input.focus(); connection.reconnectNow(); } else { launcher.focus(); }
    }
    launcher.addEventListener("click", function () { openPanel(panel.hidden); });
    closeButton.addEventListener("click", function () { openPanel(false); });
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") openPanel(false); });

    // -- the socket ----------------------------------------------------------
    var wsBase = base.replace(/^http/, "ws");
    var connection = new window.ChatConnection({
      url: wsBase + "/ws/guest/",
      helloData: function () {
        var token = localStorage.getItem(tokenKey);
        return token ? { token: token } : {};
      },
      onHelloRefused: function () {
        // A token this server does not know (another database, a forged one): start as a new guest.
        localStorage.removeItem(tokenKey);
      },
      onHello: function (hello) {
        localStorage.setItem(tokenKey, hello.guest.token);
        state.guestId = hello.guest.id;
        if (!state.conversation && hello.conversations.length) {
          useConversation(hello.conversations[0].id);
        }
      },
      onEvent: onEvent,
      onStatus: function (name, detail) {
        root.setAttribute("data-status", name);
        status.textContent = fill(S.status[name] || name, detail);
      },
      onMessageState: onMessageState,
      resolveConversation: function () { return ensureConversation(); },
    });
    connection.connect();

    function useConversation(id) {
      state.conversation = id;
      state.ended = false;
      return connection.subscribe(id).then(function (subscribed) {
        state.status = subscribed.status;
        if (subscribed.reservation) showReservation(subscribed.reservation);
      });
    }

    function ensureConversation() {
      if (state.conversation && !state.ended) return Promise.resolve(state.conversation);
      return connection.request("conversation.start", queueName ? { queue: queueName } : {}).then(function (started) {
        state.conversation = started.conversation;
        state.status = started.status;
        state.ended = false;
        connection.lastSeq[started.conversation] = started.last_seq;
        return started.conversation;
      });
    }

    // -- messages ------------------------------------------------------------
    function senderLabel(data) {
      if (data.kind === "guest") return S.you;
      if (data.kind === "system") return S.notice;
      return data.author ? data.author.name : S.notice;
    }

    function renderMessage(data, item) {
      item = item || el("li");
      item.className = "cc-msg cc-" + data.kind;
      item.textContent = "";
      var meta = el("span", "cc-meta");
      meta.appendChild(el("span", "cc-sender", senderLabel(data)));
      var time = el("time", "cc-time", new Date(data.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      time.dateTime = data.created_at;
      meta.appendChild(time);
      item.appendChild(meta);
      item.appendChild(el("span", "cc-body", data.body));
      item.setAttribute("data-seq", data.seq);
      if (data.data && data.data.offer === "escalation" && state.status === "bot") {
        var offer = el("button", "cc-escalate", S.talkToPerson);
        offer.type = "button";
        offer.addEventListener("click", function () { offer.disabled = true; escalate(); });
        item.appendChild(offer);
      }
      return item;
    }

    function appendToLog(node) {
      log.appendChild(node);
      log.scrollTop = log.scrollHeight;
    }

    function onMessageState(message, messageState, answer) {
      var item = log.querySelector('[data-client-msg-id="' + message.client_msg_id + '"]');
      if (messageState === "pending" && !item) {
        item = el("li", "cc-msg cc-guest cc-pending");
        item.setAttribute("data-client-msg-id", message.client_msg_id);
        var meta = el("span", "cc-meta");
        meta.appendChild(el("span", "cc-sender", S.you));
        meta.appendChild(el("span", "cc-state", S.pending));
        item.appendChild(meta);
        item.appendChild(el("span", "cc-body", message.body));
        appendToLog(item);
      } else if (messageState === "failed" && item) {
        item.classList.add("cc-failed");
        item.querySelector(".cc-state").textContent = S.failed + ": " + answer.detail;
      }
    }

    function onEvent(name, data) {
      if (name === "reservation.updated") { showReservation(data); return; }
      if (name === "reservation.idle_warning") { showIdleWarning(data); return; }
      if (name === "typing") {
        typing.textContent = data.active ? fill(S.typing, { name: state.agentName || S.agent }) : "";
        return;
      }
      if (name === "read") { markRead(data.up_to_seq); return; }
      if (data.conversation && data.conversation !== state.conversation) return;
      if (name === "message.new") {
        typing.textContent = "";
        var pending = data.client_msg_id && log.querySelector('[data-client-msg-id="' + data.client_msg_id + '"]');
        if (pending && data.kind === "guest") {
          pending.classList.remove("cc-pending");
          // Events arrive in seq order: the confirmed message goes after what
          // was replayed meanwhile, and what is still pending stays last.
          appendToLog(renderMessage(data, pending));
          Array.prototype.forEach.call(log.querySelectorAll(".cc-pending"), appendToLog);
        } else {
          appendToLog(renderMessage(data));
          Array.prototype.forEach.call(log.querySelectorAll(".cc-pending"), appendToLog);
        }
        if (data.kind !== "guest" && document.visibilityState === "visible" && !panel.hidden) {
          connection.request("read", { conversation: data.conversation, seq: data.seq }).catch(function () {});
        }
      } else if (name === "participant.joined") {
        state.status = "active";
        state.agentName = data.data.name;
        queueBox.hidden = true;
      } else if (name === "conversation.escalated") {
        state.status = "waiting";
        Array.prototype.forEach.call(log.querySelectorAll(".cc-escalate"), function (b) { b.remove(); });
      } else if (name === "chat.ended") {
        state.ended = true;
        state.status = "ended";
        queueBox.hidden = true;
        appendToLog(el("li", "cc-msg cc-system cc-ended", S.ended));
        form.hidden = true;
        endButton.hidden = true;
        showNewChatButton();
      } else if (name === "survey.offered") {
        showSurvey(data.data);
      }
    }

    function markRead(seq) {
      Array.prototype.forEach.call(log.querySelectorAll(".cc-guest[data-seq]"), function (item) {
        if (Number(item.getAttribute("data-seq")) <= seq && !item.querySelector(".cc-read")) {
          item.querySelector(".cc-meta").appendChild(el("span", "cc-read", S.read));
        }
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      input.value = "";
      stopTyping();
      // Shown as pending at once, even before the socket is up or the
      // conversation exists: the outbox starts it when it can send.
      connection.sendMessage(state.conversation && !state.ended ? state.conversation : null, body);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      if (!state.conversation || state.ended || connection.status !== "online") return;
      if (!state.typingSent) {
        state.typingSent = true;
        connection.request("typing", { conversation: state.conversation, active: true }).catch(function () {});
      }
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(stopTyping, 3000);
    });
    function stopTyping() {
      clearTimeout(state.typingTimer);
      if (state.typingSent && state.conversation && connection.status === "online") {
        connection.request("typing", { conversation: state.conversation, active: false }).catch(function () {});
      }
      state.typingSent = false;
    }

    // -- escalation and the queue (seed 004) ---------------------------------
    function escalate() {
      connection.request("conversation.escalate", { conversation: state.conversation }).then(function (answer) {
        if (answer.reservation) showReservation(answer.reservation);
      });
    }

    function showReservation(reservation) {
      state.reservation = reservation;
      queueBox.textContent = "";
      queueBox.hidden = false;
      var line = el("p", "cc-queue-line");
      if (reservation.status === "queued" || reservation.status === "offered") {
        var text = reservation.status === "offered" ? S.queue.offered : fill(S.queue.position, { position: reservation.queue_position });
        line.appendChild(el("span", "cc-position", text));
        line.appendChild(document.createTextNode(" "));
        line.appendChild(el("span", "cc-estimate", estimateText(reservation.estimated_wait_until)));
        queueBox.appendChild(line);
        var cancel = el("button", "cc-cancel", S.queue.cancel);
        cancel.type = "button";
        cancel.addEventListener("click", function () {
          connection.request("reservation.cancel", { reservation: reservation.id }).then(showReservation);
        });
        queueBox.appendChild(cancel);
      } else if (reservation.status === "expired") {
        queueBox.appendChild(el("p", "cc-expired", fill(S.queue.expired, { reason: reservation.expire_reason || "" })));
        var rejoin = el("button", "cc-rejoin", S.queue.rejoin);
        rejoin.type = "button";
        rejoin.addEventListener("click", function () {
          connection.request("reservation.rejoin", { reservation: reservation.id }).then(showReservation);
        });
        queueBox.appendChild(rejoin);
      } else if (reservation.status === "canceled") {
        queueBox.appendChild(el("p", "cc-canceled", S.queue.canceled));
        state.status = "bot";
      } else {
        queueBox.hidden = true;
      }
    }

    function showIdleWarning(data) {
      var warning = el("p", "cc-idle-warning", S.queue.stillThere);
      var here = el("button", "cc-still-here", S.queue.imHere);
      here.type = "button";
      here.addEventListener("click", function () {
        connection.request("reservation.seen", { reservation: data.id }).then(function () { warning.remove(); here.remove(); });
      });
      queueBox.hidden = false;
      queueBox.appendChild(warning);
      queueBox.appendChild(here);
      here.focus();
    }

    function estimateText(until) {
      if (!until) return S.queue.noEstimate;
      var minutes = Math.round((Date.parse(until) - Date.now()) / 60000);
      return minutes < 1 ? S.queue.estimateSoon : fill(S.queue.estimate, { minutes: minutes });
    }
    // Seed 004: the estimate counts down between updates.
    setInterval(function () {
      var estimate = queueBox.querySelector(".cc-estimate");
      if (estimate && state.reservation) estimate.textContent = estimateText(state.reservation.estimated_wait_until);
    }, 5000);
    // While the page is in front of the customer, tell the queue they are
    // still there; a tab left in the background loses its place after the
    // queue's idle time-out, with a warning first.
    function stillHere() {
      var waiting = state.reservation && (state.reservation.status === "queued" || state.reservation.status === "offered");
      if (waiting && document.visibilityState === "visible" && connection.status === "online") {
        connection.request("reservation.seen", { reservation: state.reservation.id }).catch(function () {});
      }
    }
    setInterval(stillHere, 30000);
    document.addEventListener("visibilitychange", stillHere);

    // -- end chat and the survey (seed 000) ----------------------------------
    endButton.addEventListener("click", function () {
      if (!state.conversation || state.ended || !window.confirm(S.confirmEnd)) return;
      endButton.disabled = true;
      // The socket stays open: chat.ended and then the survey arrive on it.
      connection.request("conversation.end", { conversation: state.conversation }).catch(function () {
        endButton.disabled = false;
      });
    });

    function showSurvey(offer) {
      surveyBox.textContent = "";
      surveyBox.hidden = false;
      var surveyForm = el("form", "cc-survey-form");
      surveyForm.appendChild(el("h3", "cc-survey-title", S.survey.title));
      offer.questions.forEach(function (question) {
        var fieldset = el("fieldset", "cc-question cc-" + question.kind);
        fieldset.appendChild(el("legend", "", question.prompt));
        if (question.kind === "text") {
          var area = el("textarea");
          area.name = "q" + question.id;
          area.setAttribute("aria-label", question.prompt);
          fieldset.appendChild(area);
        } else {
          var low = question.kind === "csat" ? 1 : 0, high = question.kind === "csat" ? 5 : 10;
          for (var value = low; value <= high; value++) {
            var option = el("label", "cc-option");
            var radio = el("input");
            radio.type = "radio";
            radio.name = "q" + question.id;
            radio.value = String(value);
            radio.required = question.required;
            option.appendChild(radio);
            option.appendChild(el("span", "", question.kind === "csat" ? "★".repeat(value) : String(value)));
            option.setAttribute("title", String(value));
            fieldset.appendChild(option);
          }
        }
        surveyForm.appendChild(fieldset);
      });
      var submit = el("button", "cc-survey-submit", S.survey.submit);
      submit.type = "submit";
      surveyForm.appendChild(submit);
      surveyForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var answers = offer.questions.map(function (question) {
          var field = surveyForm.elements["q" + question.id];
          if (question.kind === "text") return { question: question.id, text: field.value };
          return field.value === "" ? null : { question: question.id, score: Number(field.value) };
        }).filter(Boolean);
        submit.disabled = true;
        connection.request("survey.submit", { invitation: offer.invitation, answers: answers }).then(function () {
          finishSurvey(S.survey.thanks);
        }, function (error) {
          if (error.reason === "forbidden") finishSurvey(S.survey.alreadyAnswered);
          else submit.disabled = false;
        });
      });
      surveyBox.appendChild(surveyForm);
    }

    function finishSurvey(text) {
      surveyBox.textContent = "";
      surveyBox.appendChild(el("p", "cc-thanks", text));
      // Seed 000: only now, with chat.ended and the survey both handled, does
      // the widget let the socket go.
      connection.stop();
    }

    function showNewChatButton() {
      var again = el("button", "cc-new-chat", S.newChat);
      again.type = "button";
      again.addEventListener("click", function () {
        state.conversation = null;
        state.ended = false;
        state.status = null;
        log.textContent = "";
        log.appendChild(el("li", "cc-msg cc-bot cc-welcome", S.welcome));
        surveyBox.hidden = true;
        form.hidden = false;
        endButton.hidden = false;
        endButton.disabled = false;
        if (connection.stopped) { connection.stopped = false; connection.attempt = 0; connection.connect(); }
        input.focus();
      });
      actions.appendChild(again);
    }

    // -- transcript ----------------------------------------------------------
    transcriptButton.addEventListener("click", function () {
      if (!state.conversation) return;
      connection.request("conversation.transcript", { conversation: state.conversation }).then(function (answer) {
        var link = el("a");
        link.href = URL.createObjectURL(new Blob([answer.text], { type: "text/plain" }));
        link.download = "transcript-" + state.conversation + ".txt";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    });

    window.ContactCenterWidget = { open: function () { openPanel(true); }, connection: connection, state: state };
  }
})();
