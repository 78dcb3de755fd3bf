/* The ticket screen goes back to the kiosk's start screen (in Indonesian) for the next visitor:
   <div data-return-url="...?start=1" data-return-seconds="15">, with the seconds left shown in
   #kiosk-countdown. "Done" goes at once. Printing from the browser: in a kiosk-mode Chromium
   started with --kiosk-printing the print button (and the automatic print below) prints
   without a dialog on the default printer. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-return-url]");
  if (!holder) { return; }
  var url = holder.getAttribute("data-return-url");
  var left = parseInt(holder.getAttribute("data-return-seconds"), 10) || 15;
  var countdown = document.getElementById("kiosk-countdown");
  var template = countdown ? countdown.getAttribute("data-template") : "";
  function show() {
    if (countdown && template) { countdown.textContent = template.replace("%(seconds)s", String(left)); }
  }
  show();
  // A kiosk without a network printer prints from the browser once, by itself.
  var autoPrint = holder.getAttribute("data-auto-print");
  if (autoPrint && window.sessionStorage && !window.sessionStorage.getItem("printed:" + autoPrint)) {
    window.sessionStorage.setItem("printed:" + autoPrint, "1");
    setTimeout(function () { window.print(); }, 300);
  }
  var timer = setInterval(function () {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      window.location.href = url;
      return;
    }
    show();
  }, 1000);
})();
