/*
 * The supervisors' wallboard: every queue's figures, pushed over the staff
 * socket (`wallboard.subscribe`, then a `wallboard.updated` event every few
 * seconds), and a chart of the day per queue drawn here as SVG from the
 * minute snapshots. Reconnects through the shared ChatConnection
 * (static/chat/client.js) and subscribes again, which also refills the chart.
 */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var CHART = { width: 480, height: 150, left: 30, right: 34, top: 8, bottom: 20 };
  var DAY_MS = 24 * 3600 * 1000;
  var state = JSON.parse($("wallboard-state").textContent);

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function duration(seconds) {
    if (seconds === null) return "—";
    var s = Math.round(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function percent(share) { return Math.round(share * 100) + " %"; }

  function renderTable() {
    var rows = state.queues.map(function (queue) {
      var row = document.createElement("tr");
      row.setAttribute("data-queue", queue.queue);
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = queue.name;
      row.appendChild(name);
      [
        ["waiting", String(queue.waiting)],
        ["longest-wait", duration(queue.longest_wait_seconds),
         queue.longest_wait_seconds !== null && queue.longest_wait_seconds > queue.target_answer_seconds],
        ["agents-available", String(queue.agents.available)],
        ["agents-busy", String(queue.agents.busy)],
        ["agents-away", String(queue.agents.away)],
        ["service-level", queue.service_level === null ? "—"
          : percent(queue.service_level) + " within " + queue.target_answer_seconds + " s"],
        ["chats-in-progress", String(queue.chats_in_progress)],
        ["csat", queue.csat_today === null ? "—" : queue.csat_today.toFixed(2)],
      ].forEach(function (figure) {
        var td = cell(figure[1], figure[2] ? "alert" : "");
        td.setAttribute("data-figure", figure[0]);
        row.appendChild(td);
      });
      return row;
    });
    $("wallboard-queues").replaceChildren.apply($("wallboard-queues"), rows);
    $("wallboard-at").textContent = new Date(state.at).toLocaleTimeString();
    $("wallboard-at").setAttribute("datetime", state.at);
  }

  function node(tag, attributes, text) {
    var element = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function chart(queue) {
    var dayStart = new Date(state.at);
    dayStart.setHours(0, 0, 0, 0);
    var data = (state.history[queue.queue] || []).filter(function (p) { return Date.parse(p.at) >= dayStart.getTime(); });
    var innerWidth = CHART.width - CHART.left - CHART.right;
    var innerHeight = CHART.height - CHART.top - CHART.bottom;
    var maxWaiting = Math.max(1, Math.max.apply(null, data.map(function (p) { return p.waiting; })));
    var x = function (p) { return CHART.left + innerWidth * (Date.parse(p.at) - dayStart.getTime()) / DAY_MS; };
    var y = function (fraction) { return CHART.top + innerHeight * (1 - fraction); };
    var svg = node("svg", { viewBox: "0 0 " + CHART.width + " " + CHART.height, role: "img",
                            "aria-label": queue.name + ": waiting and service level today" });
    svg.appendChild(node("line", { "class": "axis", x1: CHART.left, x2: CHART.left + innerWidth, y1: y(0), y2: y(0) }));
    [0, 6, 12, 18, 24].forEach(function (hour) {
      var hx = CHART.left + innerWidth * hour / 24;
      svg.appendChild(node("line", { "class": "axis", x1: hx, x2: hx, y1: y(0), y2: y(1) }));
      svg.appendChild(node("text", { x: hx, y: CHART.height - 6, "text-anchor": "middle" }, hour + ":00"));
    });
    svg.appendChild(node("text", { x: CHART.left - 4, y: y(1) + 8, "text-anchor": "end" }, String(maxWaiting)));
    svg.appendChild(node("text", { x: CHART.left - 4, y: y(0), "text-anchor": "end" }, "0"));
    svg.appendChild(node("text", { x: CHART.width - 2, y: y(1) + 8, "text-anchor": "end" }, "100 %"));
    svg.appendChild(node("polyline", { "class": "waiting", points: data.map(function (p) {
      return x(p) + "," + y(p.waiting / maxWaiting);
    }).join(" ") }));
    svg.appendChild(node("polyline", { "class": "service", points: data.filter(function (p) {
      return p.service_level !== null;
    }).map(function (p) { return x(p) + "," + y(p.service_level); }).join(" ") }));
    var figure = document.createElement("figure");
    figure.setAttribute("data-chart", queue.queue);
    var caption = document.createElement("figcaption");
    caption.textContent = queue.name;
    figure.appendChild(caption);
    figure.appendChild(svg);
    return figure;
  }

  function renderCharts() {
    $("wallboard-charts").replaceChildren.apply($("wallboard-charts"), state.queues.map(chart));
  }

  function render() { renderTable(); renderCharts(); }

  // The live figures become the chart's newest point, one per minute like the
  // snapshots the server stores, so a day of updates stays 1,440 points.
  function remember(figures) {
    figures.queues.forEach(function (queue) {
      var history = state.history[queue.queue] = state.history[queue.queue] || [];
      var point = { at: figures.at, waiting: queue.waiting, service_level: queue.service_level };
      var last = history[history.length - 1];
      if (last && last.at.slice(0, 16) === figures.at.slice(0, 16)) history[history.length - 1] = point;
      else history.push(point);
    });
  }

  var connection = new window.ChatConnection({
    url: (location.protocol === "https:" ? "wss://" : "ws://") + location.host + $("wallboard").getAttribute("data-ws-path"),
    onHello: function () {
      return connection.request("wallboard.subscribe", {}).then(function (fresh) { state = fresh; remember(state); render(); });
    },
    onEvent: function (name, data) {
      if (name !== "wallboard.updated") return;
      remember(data);
      state = { at: data.at, queues: data.queues, history: state.history };
      render();
    },
    onStatus: function (status, detail) {
      var text = { connecting: "Connecting…", online: "Live", offline: "Offline",
                   reconnecting: "Reconnecting in " + (detail.seconds || 0) + " s…", closed: "Disconnected — log in again" }[status];
      $("wallboard-connection").textContent = text || status;
    },
  });
  remember(state);
  render();
  connection.connect();
})();
