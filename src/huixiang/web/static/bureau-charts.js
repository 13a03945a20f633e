// The console's charts (/bureau): each [data-chart] element draws, with Apache ECharts, the
// series named by data-source from the page's JSON data block (#chart-data). The tables below
// each chart hold the same numbers; without JavaScript (or ECharts) only the tables show.
(function () {
  "use strict";
  function draw() {
    var block = document.getElementById("chart-data");
    if (!block || !window.echarts) { return; }
    var data = JSON.parse(block.textContent || "{}");
    var names = data.names || {};
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var s = data[el.getAttribute("data-source")];
      if (!s || !s.labels.length) { return; }
      var trend = el.getAttribute("data-chart") === "trend";
      el.classList.add("on");
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
      // On a phone the legend spans the width: the axes' names (件, %) go below it. Labels that
      // cannot all stand side by side are slanted; those that can are all shown.
      var narrow = el.clientWidth < 600;
      var crowded = s.labels.length * (narrow ? 90 : 70) > el.clientWidth;
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 48, top: narrow ? 60 : 36, bottom: 48 },
        xAxis: { type: "category", data: s.labels, axisLabel: { rotate: crowded ? 45 : 0, interval: crowded ? "auto" : 0 } },
        yAxis: [{ type: "value", name: names.count, minInterval: 1 }, { type: "value", name: "%", max: 100 }],
        series: [
          { name: names.total, type: trend ? "line" : "bar", barMaxWidth: 56, data: s.total },
          { name: names.responded, type: trend ? "line" : "bar", barMaxWidth: 56, data: s.responded },
          { name: names.response_rate, type: "line", yAxisIndex: 1, data: s.response_rate.map(pct) },
          { name: names.satisfaction_rate, type: "line", yAxisIndex: 1, data: s.satisfaction_rate.map(pct) }
        ]
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
