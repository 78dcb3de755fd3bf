/* The IKM report's bar chart of the NRR per unsur (the same numbers are in the table). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var source = document.getElementById("nrr-data");
  var canvas = document.getElementById("nrr-chart");
  if (!source || !canvas || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, backgroundColor: "#1d4ed8" }] },
    options: { maintainAspectRatio: false, indexAxis: "y", animation: false,
      scales: { x: { min: 1, max: 4 } } }
  });
});
