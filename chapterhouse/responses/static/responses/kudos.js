// Leaves kudos without reloading the page. Without this script the form posts
// to /kudos and the page comes back with a message; with it, the same form posts
// to /kudos.js and the answer is shown in place.
(function () {
  "use strict";
  var form = document.getElementById("new_kudo");
  if (!form || !window.fetch || !window.FormData) return;

  function say(text, isError) {
    var note = document.getElementById("kudos_message");
    if (!note) {
      note = document.createElement("p");
      note.id = "kudos_message";
      note.setAttribute("role", "status");
      form.parentNode.insertBefore(note, form.nextSibling);
    }
    note.className = isError ? "kudos flash error" : "kudos flash notice";
    note.textContent = text;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("kudo_submit");
    if (button) button.disabled = true;
    fetch(form.getAttribute("data-kudos-json") || "/kudos.js", {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.json().then(function (body) { return [response.status, body]; });
    }).then(function (answer) {
      var status = answer[0], body = answer[1];
      if (status === 201) {
        say("Thank you for leaving kudos!", false);
        var count = document.querySelector("dd.kudos");
        if (count && typeof body.kudos_count === "number") {
          count.textContent = body.kudos_count.toLocaleString("en");
        }
        return;
      }
      var errors = (body && body.errors) || {};
      var lines = [];
      Object.keys(errors).forEach(function (key) { lines = lines.concat(errors[key]); });
      say(lines.join(" ") || "Your kudos could not be recorded. Please try again.", true);
      if (button && status === 429) button.disabled = false;
    }).catch(function () {
      if (button) button.disabled = false;
      form.submit();
    });
  });
})();
