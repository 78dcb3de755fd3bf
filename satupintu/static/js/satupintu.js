/* Behaviour shared by every page, bound here instead of in inline handlers so that the
   Content-Security-Policy can forbid inline script:
   - <button data-print> prints the page;
   - <select data-autosubmit> submits its form when the choice changes. */
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
})();
