// Swagger UI for /api/docs/: the schema URL comes from the page, "Try it out" sends the
// session's CSRF token (a bearer token can be given with the Authorize button instead).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset.slice(1)],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      if (!request.headers.Authorization) { request.headers["X-CSRFToken"] = csrfToken(); }
      return request;
    }
  });
})();
