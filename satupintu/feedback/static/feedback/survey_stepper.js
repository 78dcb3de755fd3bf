/* Kiosk tablet: one question per screen. Without JavaScript the whole form shows at once. */
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("survey-form");
  if (!form || !form.dataset.stepper) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset"));
  var nav = form.querySelector(".stepper-nav");
  var submitRow = form.querySelector(".submit-row");
  var status = document.getElementById("step-status");
  var current = 0;
  function show(i) {
    current = i;
    steps.forEach(function (fs, n) { fs.hidden = n !== i; });
    nav.hidden = false;
    nav.querySelector("[data-step=back]").hidden = i === 0;
    nav.querySelector("[data-step=next]").hidden = i === steps.length - 1;
    submitRow.hidden = i !== steps.length - 1;
    status.textContent = (i + 1) + " / " + steps.length;
    var first = steps[i].querySelector("input:checked, input, select");
    if (first) { first.focus({preventScroll: true}); }
    window.scrollTo(0, 0);
  }
  nav.querySelector("[data-step=back]").addEventListener("click", function () { show(Math.max(0, current - 1)); });
  nav.querySelector("[data-step=next]").addEventListener("click", function () { show(Math.min(steps.length - 1, current + 1)); });
  steps.slice(0, -1).forEach(function (fs, n) {
    fs.addEventListener("change", function () { setTimeout(function () { show(n + 1); }, 250); });
  });
  show(0);
});
