// Dashboard home: draws the revenue per day from the JSON block the page carries.
// A static file rather than an inline script, so the page works under a strict CSP.
(function () {
  "use strict";

  var canvas = document.getElementById("revenue-chart");
  var source = document.getElementById("revenue-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: "currency",
    currency: data.currency,
  });

  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {
          label: "Revenue",
          // Amounts travel in cents; the axis reads in the currency's units.
          data: data.revenue_cents.map(function (cents) {
            return cents / 100;
          }),
          backgroundColor: "rgba(180, 110, 40, 0.75)",
          borderColor: "rgb(140, 80, 25)",
          borderWidth: 1,
        },
      ],
    },
    options: {
      // Drawn at once: a dashboard is read, not watched.
      animation: false,
      responsive: true,
      aspectRatio: 2,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (item) {
              var orders = data.orders[item.dataIndex];
              return money.format(item.parsed.y) + " (" + orders + (orders === 1 ? " order)" : " orders)");
            },
          },
        },
      },
      scales: {
        y: {
          beginAtZero: true,
          ticks: {
            callback: function (value) {
              return money.format(value);
            },
          },
        },
      },
    },
  });
  canvas.setAttribute("data-chart-drawn", "true");
})();
