// Guest pages are shared by every guest through the HTTP cache, so their forms
// carry an empty CSRF token. When such a form is sent, this fetches a token of
// the visitor's own from /token_dispenser.json (which also sets its cookie),
// fills every empty token on the page and sends the form on. Without
// JavaScript the site shows the form again, its fields kept, with a token.
(function () {
  "use strict";
  if (!window.fetch) return;
  var SELECTOR = 'input[name="csrfmiddlewaretoken"], input[name="authenticity_token"]';

  function emptyTokens(root) {
    return Array.prototype.filter.call(root.querySelectorAll(SELECTOR), function (input) {
      return !input.value;
    });
  }

  function fill(token) {
    emptyTokens(document).forEach(function (input) { input.value = token; });
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && !meta.getAttribute("content")) meta.setAttribute("content", token);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (!emptyTokens(form).length) return;
    // Before the page's own handlers (kudos.js, comments.js) read the form.
    event.preventDefault();
    event.stopPropagation();
    var submitter = event.submitter || null;
    fetch("/token_dispenser.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        fill(body.token || "");
        if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
      })
      .catch(function () { form.submit(); });
  }, true);
})();
