// Drag-and-drop of saved emails onto the Email panel. Without this script the panel is a
// plain file input and submit button, which does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-mail-drop]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var status = form.querySelector(".mail-drop-status");
    function stop(event) { event.preventDefault(); event.stopPropagation(); }
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) { stop(event); form.classList.add("is-dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function (event) { stop(event); form.classList.remove("is-dragging"); });
    });
    form.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      input.files = files;
      if (status) { status.textContent = "Uploading " + files.length + " file" + (files.length > 1 ? "s" : "") + "…"; }
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
    input.addEventListener("change", function () {
      if (input.files.length && status) {
        status.textContent = input.files.length + " file" + (input.files.length > 1 ? "s" : "") + " chosen: press Add to the history.";
      }
    });
  });
})();
