// Mail merge progress: polls the JSON status until the merge is done.
(function () {
  "use strict";
  var box = document.querySelector("[data-merge-progress]");
  if (!box) { return; }
  var bar = box.querySelector(".merge-bar");
  var meter = box.querySelector("[role=progressbar]");
  var labels = {
    queued: "Queued", running: "Sending", waiting: "Waiting for the mail server", done: "Done",
    failed: "Stopped by an error"
  };
  function show(data) {
    bar.style.width = data.percent + "%";
    bar.textContent = data.percent + "%";
    meter.setAttribute("aria-valuenow", data.percent);
    ["sent", "skipped", "failed", "total"].forEach(function (key) {
      var field = box.querySelector("[data-field=" + key + "]");
      if (field) { field.textContent = data[key]; }
    });
    var status = box.querySelector("[data-field=status]");
    if (status && data.status) { status.textContent = labels[data.status] || data.status; }
    return data.status === "done" || data.status === "failed";
  }
  show({ percent: Number(bar.getAttribute("data-percent")) || 0, status: null });
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (!show(data)) { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
