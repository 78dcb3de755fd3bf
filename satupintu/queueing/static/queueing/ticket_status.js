/* Phone status page: refresh the ticket box when something happens to this ticket at once,
   and when the mall's queue moves at most every few seconds (a cheap phone, a thin network). */
(function () {
  "use strict";
  var box = document.getElementById("status-box");
  if (!box || !window.EventSource || !window.fetch || !window.SatuPintuLive) { return; }
  var ticketId = String(box.dataset.ticket);
  var partialUrl = box.dataset.partialUrl;
  var pending = null;
  var lastRefresh = 0;
  var MIN_GAP = 5000;

  function refresh() {
    pending = null;
    lastRefresh = Date.now();
    fetch(partialUrl, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { box.innerHTML = html; }
    }).catch(function () {});
  }
  function schedule(mine) {
    if (mine) { if (pending) { clearTimeout(pending); } refresh(); return; }
    if (pending) { return; }
    pending = setTimeout(refresh, Math.max(0, MIN_GAP - (Date.now() - lastRefresh)));
  }

  // live.js: the stream comes back with backoff after any error.
  var handlers = {};
  ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished",
   "ticket.no_show", "ticket.transferred", "ticket.cancelled", "ticket.returned"].forEach(function (type) {
    handlers[type] = function (message) {
      var data = JSON.parse(message.data);
      var mine = String(data.ticket_id) === ticketId;
      schedule(mine);
      if (mine && type === "ticket.called" && navigator.vibrate) { navigator.vibrate([300, 150, 300]); }
    };
  });
  window.SatuPintuLive.connect(box.dataset.eventsUrl, handlers);
})();
