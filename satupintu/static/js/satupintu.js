/* Behaviour shared by every page, bound here instead of in inline handlers so that the
   Content-Security-Policy can forbid inline script:
   - <button data-print> prints the page;
   - <select data-autosubmit> submits its form when the choice changes;
   - an element with data-show-if="NAME=VALUE" is shown only while its form's field NAME has
     VALUE (the online form's business name only for a business applicant);
   - a form or link with data-loading="ID" shows the element ID (a "computing..." notice)
     while the next page loads. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { window.print(); }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-autosubmit]") || !select.form) { return; }
    if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
  });
  function showLoading(id) {
    var notice = id ? document.getElementById(id) : null;
    if (!notice) { return; }
    notice.hidden = false;
    document.body.setAttribute("aria-busy", "true");
  }
  document.addEventListener("submit", function (event) {
    if (event.target.getAttribute && event.target.getAttribute("data-loading")) {
      showLoading(event.target.getAttribute("data-loading"));
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-loading]") : null;
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      showLoading(link.getAttribute("data-loading"));
    }
  });
  window.addEventListener("pageshow", function () {
    var notices = document.querySelectorAll(".report-loading");
    for (var i = 0; i < notices.length; i++) { notices[i].hidden = true; }
    document.body.removeAttribute("aria-busy");
  });
  function applyShowIf(root) {
    var parts = root.querySelectorAll("[data-show-if]");
    for (var i = 0; i < parts.length; i++) {
      var rule = parts[i].getAttribute("data-show-if").split("=");
      var form = parts[i].closest("form");
      var field = form ? form.elements.namedItem(rule[0]) : null;
      if (!field) { continue; }
      var shown = field.value === rule[1];
      parts[i].hidden = !shown;
      var inputs = parts[i].querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !shown; }
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form.querySelector("[data-show-if]")) {
      applyShowIf(event.target.form);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyShowIf(document); });
  } else {
    applyShowIf(document);
  }
})();
