/* Kiosk: a press on a choice takes exactly one ticket.

   Each press is one attempt with its own idempotency key (the form's `idempotency_key`, made by
   the server for each page and again here for a page the browser restores from its history).
   The request goes out with the key as the `Idempotency-Key` header; when its answer is lost
   (no connection, the server restarting: 500, 502, 503, 504) the same request is sent again
   with the same key, a few times with growing pauses, and the server answers the ticket of the
   first try instead of issuing a second one. A ticket answer (a redirect to the ticket page) is
   followed; any other answer (the form with a message) is left to the browser, which posts the
   form itself, still with the same key. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-ticket-form]");
  if (!form || !window.fetch || !window.FormData || !form.requestSubmit) { return; }
  var keyField = form.querySelector("input[name=idempotency_key]");
  var status = form.querySelector("[data-ticket-status]");
  var DELAYS = [500, 1000, 2000, 4000, 8000];
  var RETRY_STATUSES = [500, 502, 503, 504];
  var busy = false;
  var native = false;

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  function setBusy(on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
      button.disabled = on;
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {  // back from the ticket page: a new visitor, a new attempt
      keyField.value = newKey();
      busy = false;
      native = false;
      setBusy(false);
      if (status) { status.textContent = ""; }
    }
  });

  form.addEventListener("submit", function (event) {
    if (native) { return; }
    event.preventDefault();
    if (busy) { return; }  // a second tap while the first is on its way
    busy = true;
    var submitter = event.submitter;
    if (!keyField.value) { keyField.value = newKey(); }
    var key = keyField.value;
    var body = new FormData(form, submitter);
    setBusy(true);

    function browserPosts() {
      native = true;
      setBusy(false);
      form.requestSubmit(submitter);
    }

    function retry(attempt) {
      if (attempt >= DELAYS.length) { browserPosts(); return; }
      if (status) { status.textContent = form.getAttribute("data-retry-message") || ""; }
      window.setTimeout(function () { send(attempt + 1); }, DELAYS[attempt]);
    }

    function send(attempt) {
      window.fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Idempotency-Key": key }
      }).then(function (response) {
        if (response.ok && response.redirected) {
          window.location.replace(response.url);
        } else if (RETRY_STATUSES.indexOf(response.status) >= 0) {
          retry(attempt);
        } else {
          browserPosts();
        }
      }, function () { retry(attempt); });
    }

    send(0);
  });
})();
