/* Satu Pintu reports: draws every <canvas data-chart="ID"> from the JSON in <script id="ID">
   (written by Django's json_script). The numbers are also in the table next to each chart,
   so a page without JavaScript or without this file loses nothing but the pictures. */
(function () {
  "use strict";
  var PALETTE = ["#0b4f8a", "#f59e0b", "#b42318", "#0f766e", "#7c3aed", "#64748b", "#db2777", "#65a30d"];

  function colour(i, alpha) {
    var hex = PALETTE[i % PALETTE.length];
    if (!alpha) { return hex; }
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function config(spec) {
    var type = spec.type || "bar";
    var doughnut = type === "doughnut";
    var datasets = spec.datasets.map(function (ds, i) {
      var out = { label: ds.label, data: ds.data, spanGaps: true };
      if (doughnut) {
        out.backgroundColor = ds.data.map(function (_v, j) { return colour(j); });
        out.borderWidth = 1;
      } else if (type === "line") {
        out.borderColor = colour(i);
        out.backgroundColor = colour(i, 0.15);
        out.tension = 0;
        out.pointRadius = 2;
        out.yAxisID = ds.yAxisID || (spec.y1_label && i >= 2 ? "y1" : "y");
      } else {
        out.backgroundColor = colour(ds.color === undefined ? i : ds.color);
        out.maxBarThickness = 56;
        if (ds.stack) { out.stack = ds.stack; }
      }
      return out;
    });
    var options = {
      maintainAspectRatio: false,
      animation: false,
      responsive: true,
      interaction: { mode: doughnut ? "nearest" : "index", intersect: false },
      plugins: { legend: { display: doughnut || datasets.length > 1, position: doughnut ? "right" : "top" } }
    };
    if (!doughnut) {
      var value = { beginAtZero: true, stacked: !!spec.stacked };
      if (spec.max) { value.suggestedMax = spec.max; }
      if (spec.y_label) { value.title = { display: true, text: spec.y_label }; }
      var category = { stacked: !!spec.stacked, ticks: { autoSkip: true, maxRotation: 0 } };
      if (spec.horizontal) {
        // Every row gets its label (the box grows with the rows); long names are shortened.
        category.ticks = { autoSkip: false, callback: function (value) {
          var label = String(this.getLabelForValue(value));
          return label.length > 32 ? label.slice(0, 31) + "…" : label;
        } };
        options.indexAxis = "y";
        options.scales = { x: value, y: category };
      } else {
        options.scales = { x: category, y: value };
      }
      if (spec.y1_label) {
        options.scales.y1 = { position: "right", beginAtZero: true, suggestedMax: 100,
          grid: { drawOnChartArea: false }, title: { display: true, text: spec.y1_label } };
      }
    }
    return { type: type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(root) {
    if (!window.Chart) { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
