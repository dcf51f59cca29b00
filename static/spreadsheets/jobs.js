// Background job page: polls the job's progress until it is finished, then reloads to show the result.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var bar = box.querySelector("progress");
  function show(data) {
    if (data.indeterminate) {
      bar.removeAttribute("value");  // an indeterminate bar: nothing measurable yet
    } else {
      bar.value = data.percent;
      bar.textContent = data.percent + "%";
    }
    ["status_label", "step", "done", "total", "percent"].forEach(function (key) {
      var field = box.querySelector("[data-field=" + key + "]");
      if (field && data[key] !== undefined) { field.textContent = data[key]; }
    });
    var step = box.querySelector("[data-step-wrap]");
    if (step) { step.hidden = !data.step || data.finished; }
    return data.finished;
  }
  var delay = 700;
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (show(data)) { window.location.reload(); return; }
        delay = Math.min(delay + 300, 3000);
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, delay);
})();
