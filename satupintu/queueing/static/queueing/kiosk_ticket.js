/* The printed-ticket screen goes back to the start screen after a while, for the next
   visitor: <main data-return-url="..." data-return-seconds="60">. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-return-url]");
  if (!holder) { return; }
  var seconds = parseInt(holder.getAttribute("data-return-seconds"), 10) || 60;
  setTimeout(function () { window.location.href = holder.getAttribute("data-return-url"); }, seconds * 1000);
})();
