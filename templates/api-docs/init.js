// The API reference reads the server's own OpenAPI document (a file, not an inline script: the CSP forbids those).
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Calls from "Try it out" go with the signed-in session's cookie; writes still need the same-site checks.
    withCredentials: true,
  });
});
