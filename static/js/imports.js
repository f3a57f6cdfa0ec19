// The import's progress bar: polls the run's status (JSON) and reloads the page when the
// background task has finished, to show the preview or the result.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = document.getElementById("import-progress-bar");
  var label = document.getElementById("run-status");
  // No inline style (the Content-Security-Policy forbids it): the width is set here.
  bar.style.width = bar.dataset.progress + "%";
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.style.width = data.progress + "%";
        bar.textContent = data.progress + "%";
        box.setAttribute("aria-valuenow", data.progress);
        label.textContent = data.label;
        if (data.running) {
          window.setTimeout(poll, 700);
        } else {
          window.setTimeout(function () { window.location.reload(); }, 400);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
