/* geoplan gap report: draws every chart of the page with Apache ECharts.
 *
 * The options are plain data in the page's JSON block #geoplan-charts (computed by
 * geoplan/reports/charts.py); this file only adds what JSON cannot carry (formatters) and draws them, so the
 * page needs no inline code of its own when it is served.  Text is drawn with the reader's fonts. */
(function () {
  "use strict";

  function percent(v) {
    return v === null || v === undefined || isNaN(v) ? "—" : (v * 100).toFixed(1) + "%";
  }

  function score(v) {
    return v === null || v === undefined || isNaN(v) ? "—" : Number(v).toFixed(1);
  }

  function withCallbacks(option, names) {
    if (option.xAxis && option.xAxis.axisLabel && option.xAxis.axisLabel.formatter === "percent") {
      option.xAxis.axisLabel.formatter = function (v) { return Math.round(v * 100) + "%"; };
      option.tooltip.valueFormatter = percent;
    }
    (option.series || []).forEach(function (s) {
      if (s.type === "map") {
        s.tooltip = {
          formatter: function (p) {
            var name = (p.data && p.data.village) || names[p.name] || p.name;
            return name + "：" + score(p.value);
          }
        };
      }
    });
    return option;
  }

  function draw() {
    var block = document.getElementById("geoplan-charts");
    if (!block || !window.echarts) { return; }
    var data = JSON.parse(block.textContent);
    var names = {};
    if (data.map) {
      data.map.features.forEach(function (f) { names[f.properties.name] = f.properties.village; });
      window.echarts.registerMap("villages", data.map);
    }
    var charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      var option = data.charts[el.getAttribute("data-chart")];
      if (!option) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(withCallbacks(option, names));
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
