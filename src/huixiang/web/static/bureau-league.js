// 排名通报: the scores as a bar chart (Apache ECharts), drawn from the JSON the page carries,
// with the passing line marked. The table below it is the chart's twin: without JavaScript,
// and for screen readers and printing, the table is the page.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("league-chart");
    var source = document.getElementById("league-chart-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.names.length) return;
    document.getElementById("league-figure").hidden = false;
    holder.style.height = Math.max(160, 28 * data.names.length + 60) + "px";
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 40, top: 28, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: data.names, inverse: true },
      series: [{
        type: "bar",
        data: data.scores.map(function (v, i) {
          return { value: v, itemStyle: { color: data.below[i] ? "#c62828" : "#1565c0" } };
        }),
        label: { show: true, position: "right" },
        markLine: { symbol: "none", data: [{ xAxis: data.line, name: data.lineLabel }],
                    // the y axis runs downwards: its "start" is the top, clear of the x axis's numbers
                    label: { formatter: data.lineLabel, position: "start" } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
