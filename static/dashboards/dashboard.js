/* Draws each dashboard chart from its JSON data block with the local plotly.js bundle.
 * Each chart is <div data-plotly="ID"> plus <script type="application/json" id="ID">,
 * so the page needs no inline script. */
(function () {
  "use strict";

  function drawCharts() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-plotly]").forEach(function (el) {
      var block = document.getElementById(el.getAttribute("data-plotly"));
      if (!block) { return; }
      var figure = JSON.parse(block.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config);
    });
  }

  function wirePrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* Where the tabs still do not fit (a narrower phone), the strip scrolls sideways: bring the
   * tab in use into view, not only the first ones. */
  function showCurrentTab() {
    var current = document.querySelector(".dashboard-tabs .active");
    var strip = current && current.closest(".dashboard-tabs");
    if (!strip) { return; }
    var over = current.getBoundingClientRect().right - strip.getBoundingClientRect().right;
    if (over > 0) { strip.scrollLeft += over; }
  }

  function start() {
    showCurrentTab();
    drawCharts();
    wirePrint();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
