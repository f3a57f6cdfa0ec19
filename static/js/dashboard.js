// The execution chart: cumulative execution rate by month against the time-progress line.
(function () {
  const source = document.getElementById("chart-data");
  const canvas = document.getElementById("execution-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.paid_label, data: data.paid_rate, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,.15)", fill: true, tension: 0.1, spanGaps: false },
        { label: data.target_label, data: data.target, borderColor: "#dc3545", borderDash: [6, 4], pointRadius: 0, fill: false },
      ],
    },
    options: {
      animation: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } },
      plugins: {
        tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + (ctx.parsed.y === null ? "—" : ctx.parsed.y.toFixed(2) + "%") } },
      },
    },
  });
})();
