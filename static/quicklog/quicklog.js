/* Quick log: follow-up date shortcuts, the favour section shown only when wanted,
 * and focus on the error summary after a failed submit. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-quicklog]");
  if (!form) return;

  var summary = form.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  function isoDate(date) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  var due = form.querySelector('[name="followup_due"]');
  var shortcuts = form.querySelector("[data-due-shortcuts]");
  if (due && shortcuts) {
    shortcuts.classList.remove("d-none");
    shortcuts.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var date = new Date();
      if (button.dataset.dueDays) date.setDate(date.getDate() + Number(button.dataset.dueDays));
      if (button.dataset.dueMonths) date.setMonth(date.getMonth() + Number(button.dataset.dueMonths));
      due.value = isoDate(date);
      due.dispatchEvent(new Event("change", {bubbles: true}));
      // The date is chosen: what to do is the next thing to write.
      var what = form.querySelector('[name="followup_title"]');
      if (what) what.focus();
    });
  }

  var title = form.querySelector('[name="followup_title"]');
  var summaryInput = form.querySelector('[name="summary"]');
  if (title && summaryInput) {
    var placeholder = function () {
      title.placeholder = summaryInput.value.trim() ? "Follow up: " + summaryInput.value.trim() : "";
    };
    summaryInput.addEventListener("input", placeholder);
    placeholder();
  }

  var kind = form.querySelector('[name="kind"]');
  var also = form.querySelector('[name="also_favour"]');
  var favour = form.querySelector('[data-section="favour"]');
  var alsoWrap = form.querySelector("[data-also-favour-wrap]");
  var hint = form.querySelector("[data-favour-hint]");
  if (kind && favour) {
    if (hint) hint.hidden = true;
    var sync = function () {
      var isFavour = kind.value === "favour";
      if (alsoWrap) alsoWrap.classList.toggle("d-none", isFavour);
      favour.hidden = !(isFavour || (also && also.checked));
    };
    kind.addEventListener("change", sync);
    if (also) also.addEventListener("change", sync);
    sync();
  }
})();
