// Dashboard charts (ECharts, served from static/vendor). The figures come
// from the JSON block #dashboard-data written by the server; every chart
// repeats a table that is already on the page, so without this file the
// page loses nothing but the pictures.
(function () {
  "use strict";

  // opts.percent: a 0-100 scale; opts.counts: whole numbers only.
  function bar(labels, values, opts) {
    opts = opts || {};
    var axis = { type: "value" };
    if (opts.percent) {
      axis.max = 100;
      axis.axisLabel = { formatter: "{value}%" };
    }
    if (opts.counts) {
      axis.minInterval = 1;
    }
    return {
      grid: { left: 8, right: 32, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: axis,
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", data: values, itemStyle: { color: "#b71c1c" }, label: { show: true, position: "right" } }],
    };
  }

  var builders = {
    by_stage: function (d) { return bar(d.labels, d.values, { counts: true }); },
    by_result: function (d) {
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["30%", "58%"], center: ["50%", "42%"], data: d, label: { formatter: "{c}" } }],
      };
    },
    rate_by_jurisdiction: function (d) { return bar(d.labels, d.values, { percent: true }); },
    rate_by_scenario: function (d) { return bar(d.labels, d.values, { percent: true }); },
    time_per_stage: function (d) { return bar(d.labels, d.values); },
    trend: function (d) {
      return {
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: d.names[0], type: "line", data: d.submitted },
          { name: d.names[1], type: "line", data: d.ruled },
        ],
      };
    },
  };

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var key = el.getAttribute("data-chart");
      if (!builders[key] || !data[key]) {
        return;
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(builders[key](data[key]));
      el.setAttribute("data-drawn", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
