/* Search-as-you-type for <select data-autocomplete="organisation|contact" data-lookup-url="...">.
 * Without JS the plain <select> works; with JS it is hidden (still submitted) and a combobox
 * (WAI-ARIA 1.2 pattern: text input + listbox) fetches up to ten matches from the lookup URL.
 * A contact select with data-fills="<organisation select id>" fills that select when it is empty. */
(function () {
  "use strict";
  var pickers = {};

  function enhance(select) {
    var id = select.id;
    var wrap = document.createElement("div");
    wrap.className = "position-relative autocomplete";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "_search";
    input.className = "form-control" + (select.classList.contains("is-invalid") ? " is-invalid" : "");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "_listbox");
    input.setAttribute("autocomplete", "off");
    input.placeholder = "Type to search…";
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    if (select.hasAttribute("autofocus")) input.autofocus = true;
    var list = document.createElement("ul");
    list.id = id + "_listbox";
    list.className = "list-group position-absolute w-100 shadow z-3 autocomplete-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(select);
    select.classList.add("d-none");
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    var label = document.querySelector('label[for="' + id + '"]');
    if (label) label.htmlFor = input.id;

    var items = [], active = -1, timer = null, seq = 0;

    function selectedLabel() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.text : "";
    }
    input.value = selectedLabel();

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var nodes = list.querySelectorAll('[role="option"][data-index]');
      if (!nodes.length) return;
      active = (index + nodes.length) % nodes.length;
      nodes.forEach(function (node, i) {
        var on = i === active;
        node.classList.toggle("active", on);
        node.setAttribute("aria-selected", on ? "true" : "false");
        if (on) { input.setAttribute("aria-activedescendant", node.id); node.scrollIntoView({block: "nearest"}); }
      });
    }

    function render(results) {
      items = results;
      list.innerHTML = "";
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "list-group-item text-body-secondary";
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.textContent = "No matches";
        list.appendChild(none);
      }
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = id + "_option_" + i;
        li.className = "list-group-item list-group-item-action";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = i;
        li.textContent = item.label;
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = results.length ? results.length + " match" + (results.length === 1 ? "" : "es") : "No matches";
      active = -1;
    }

    function setValue(item) {
      var value = item ? String(item.id) : "";
      if (value && !select.querySelector('option[value="' + value + '"]')) {
        select.add(new Option(item.label, value));
      }
      select.value = value;
      input.value = item ? item.label : "";
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function choose(item) {
      setValue(item);
      close();
      var target = select.dataset.fills && pickers[select.dataset.fills];
      if (target && item.organisation && !target.value()) target.set(item.organisation);
    }

    function fetchMatches() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++seq;
      var url = select.dataset.lookupUrl + (select.dataset.lookupUrl.indexOf("?") >= 0 ? "&" : "?") +
        "q=" + encodeURIComponent(q);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {results: []}; })
        .then(function (data) { if (mine === seq) render(data.results || []); })
        .catch(function () { /* the select still holds the last good value */ });
    }

    input.addEventListener("input", function () {
      if (!input.value.trim()) setValue(null);
      clearTimeout(timer);
      timer = setTimeout(fetchMatches, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") { event.preventDefault(); if (!open) fetchMatches(); else highlight(active + 1); }
      else if (event.key === "ArrowUp") { if (open) { event.preventDefault(); highlight(active - 1); } }
      else if (event.key === "Enter") {
        // Enter picks the highlighted match (or the only one); otherwise it submits the form as usual.
        if (open && (active >= 0 || items.length === 1)) { event.preventDefault(); choose(items[Math.max(active, 0)]); }
        else if (open) { close(); }
      } else if (event.key === "Escape") { if (open) { event.preventDefault(); close(); } }
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        close();
        if (!input.value.trim()) setValue(null);
        else input.value = selectedLabel();
      }, 120);
    });

    pickers[id] = {
      value: function () { return select.value; },
      set: function (item) { setValue(item); },
    };
  }

  document.querySelectorAll("select[data-autocomplete][data-lookup-url]").forEach(enhance);
})();
