// Upload step: list only the saved mappings made for the chosen target.
(function () {
  "use strict";
  var target = document.querySelector("[data-import-target]");
  var select = document.querySelector("[data-import-mapping-select]");
  if (!target || !select) return;
  function filter() {
    Array.prototype.forEach.call(select.options, function (option) {
      var forTarget = option.getAttribute("data-target");
      var hide = forTarget !== null && forTarget !== target.value;
      option.hidden = hide;
      option.disabled = hide;
      if (hide && option.selected) select.value = "";
    });
  }
  target.addEventListener("change", filter);
  filter();
})();
