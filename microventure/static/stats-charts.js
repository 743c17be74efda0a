/* The results charts: each [data-chart] element is drawn with ECharts from the JSON block
 * #stats-charts (no inline script: the pages run under a CSP). The numbers are also in the
 * table under each chart, so nothing is lost where scripts do not run. */
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || typeof window.echarts === "undefined") return;
  var specs = JSON.parse(source.textContent);
  var yuan = new Intl.NumberFormat("zh-CN", { maximumFractionDigits: 0 });
  var drawn = [];

  function option(spec, narrow) {
    var many = spec.categories.length > 4 || narrow;
    return {
      animation: false,
      // a description a screen reader reads (the table under the chart has every number)
      aria: { enabled: true, decal: { show: false } },
      color: ["#0d6efd", "#198754", "#fd7e14", "#6f42c1"],
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: spec.categories,
        axisLabel: { interval: 0, rotate: many ? 35 : 0, fontSize: 11 },
      },
      yAxis: {
        type: "value",
        minInterval: spec.money ? 0 : 1,
        axisLabel: {
          fontSize: 11,
          formatter: function (v) {
            return spec.money && v >= 10000 ? yuan.format(v / 10000) + "万" : yuan.format(v);
          },
        },
      },
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type, data: s.data, barMaxWidth: 28 };
      }),
    };
  }

  specs.forEach(function (spec) {
    var element = document.querySelector('[data-chart="' + spec.key + '"]');
    if (!element) return;
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option(spec, element.clientWidth < 420));
    drawn.push(chart);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) {
      chart.resize();
    });
  });
})();
