/* Behaviour shared by every page, bound here instead of in inline handlers so that the
   Content-Security-Policy can forbid inline script:
   - <button data-print> prints the page;
   - <select data-autosubmit> submits its form when the choice changes;
   - an element with data-show-if="NAME=VALUE" is shown only while its form's field NAME has
     VALUE (the online form's business name only for a business applicant). */
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
