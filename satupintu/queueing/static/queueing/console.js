/* Counter console: single-key shortcuts (documented on the page) and live waiting counts. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }

  /* ---- keyboard: N, S, R, F, M, T, O, P, X press the button (or focus the field) marked
     with data-key, unless the officer is typing in a field. ---- */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) { return; }
    var key = (event.key || "").toLowerCase();
    var control = root.querySelector('[data-key="' + key + '"]');
    if (!control) { return; }
    event.preventDefault();
    if (control.tagName === "SELECT") { control.focus(); return; }
    control.focus();
    control.click();
  });

  /* ---- live waiting counts ---- */
  var live = document.getElementById("console-live");
  var total = document.getElementById("waiting-total");
  function updateWaiting(waiting) {
    if (!waiting) { return; }
    Object.keys(waiting).forEach(function (serviceId) {
      var cell = root.querySelector('[data-waiting-service="' + serviceId + '"]');
      if (cell) { cell.textContent = waiting[serviceId]; }
    });
    var sum = 0;
    root.querySelectorAll("[data-waiting-service]").forEach(function (cell) {
      sum += parseInt(cell.textContent, 10) || 0;
    });
    total.textContent = sum;
  }
  if (!window.EventSource || !window.SatuPintuLive) { return; }
  // live.js: the stream comes back with backoff after any error (a 502 while the server
  // restarts, a reset connection).
  function onCount(message) { updateWaiting(JSON.parse(message.data).waiting); }
  var handlers = {};
  ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished",
   "ticket.no_show", "ticket.transferred", "ticket.cancelled", "ticket.returned"].forEach(function (type) {
    handlers[type] = onCount;
  });
  window.SatuPintuLive.connect(root.dataset.eventsUrl, handlers, {
    onOpen: function () { live.textContent = ""; },
    onError: function () { live.textContent = live.dataset.offline || "…"; }
  });
})();
