/* The sponsor wall on another website. Paste:
 *   <div data-sponsor-wall="https://crm.example.org/sponsors/<event-slug>.json"></div>
 *   <script src="https://crm.example.org/static/publicpages/embed.js" defer></script>
 * Each such <div> is filled from the wall's JSON (CORS GET); names, links and descriptions are set
 * as text, never as HTML, and links are http(s) only. Styling: the classes sponsor-wall-*. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function sponsorItem(sponsor, big) {
    var item = el("li", "sponsor-wall-sponsor");
    item.style.display = "inline-block";
    item.style.verticalAlign = "top";
    item.style.margin = "0 1.5em 1.5em 0";
    item.style.maxWidth = big ? "360px" : "200px";
    var link = safeUrl(sponsor.website);
    var holder = link ? el("a") : el("span");
    if (link) { holder.href = link; holder.rel = "noopener"; }
    var logo = safeUrl(sponsor.logo);
    if (logo) {
      var img = el("img", "sponsor-wall-logo");
      img.src = logo;
      img.alt = sponsor.name;
      img.loading = "lazy";
      img.style.maxWidth = "100%";
      img.style.maxHeight = big ? "180px" : "100px";
      holder.appendChild(img);
    } else {
      holder.textContent = sponsor.name;
    }
    item.appendChild(holder);
    if (sponsor.description) item.appendChild(el("p", "sponsor-wall-description", sponsor.description));
    return item;
  }

  function section(title, sponsors, big) {
    var part = el("section", "sponsor-wall-group");
    part.appendChild(el("h3", "sponsor-wall-heading", title));
    var list = el("ul", "sponsor-wall-list");
    list.style.listStyle = "none";
    list.style.padding = "0";
    sponsors.forEach(function (s) { list.appendChild(sponsorItem(s, big)); });
    part.appendChild(list);
    return part;
  }

  function render(target, data) {
    target.textContent = "";
    var wall = el("div", "sponsor-wall");
    (data.tiers || []).forEach(function (tier, i) {
      if (tier.sponsors && tier.sponsors.length) wall.appendChild(section(tier.name, tier.sponsors, i === 0));
    });
    if (data.in_kind && data.in_kind.length) wall.appendChild(section("Supported in kind by", data.in_kind, false));
    target.appendChild(wall);
  }

  function load(target) {
    var url = target.getAttribute("data-sponsor-wall");
    if (!url) return;
    fetch(url, { method: "GET", mode: "cors", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { render(target, data); })
      .catch(function () { target.textContent = "Our sponsors' list could not be loaded."; });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-sponsor-wall]"), load);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
