/* Autosave for the posting forms (docs/drafts.md).
 *
 * A form with data-autosave-key and data-autosave-url is sent to the server
 * two seconds after typing stops, and every 30 seconds while it has unsaved
 * changes. A copy is also kept in this browser (localStorage) as a second
 * net. The page works the same without this script. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-key]");
  if (!form || !window.fetch || !window.FormData) { return; }

  var key = form.getAttribute("data-autosave-key");
  var url = form.getAttribute("data-autosave-url");
  var savedAt = parseInt(form.getAttribute("data-saved-at") || "0", 10);
  var status = document.getElementById("autosave-status");
  var storageKey = "chapterhouse:draft:" + key;
  var dirty = false;
  var saving = false;
  var timer = null;

  function say(text, failed) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "autosave-status" + (failed ? " failed" : "");
  }

  function fields() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") { return; }
      (data[name] = data[name] || []).push(value);
    });
    return data;
  }

  function keepLocal() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ at: Date.now(), data: fields() }));
    } catch (e) { /* storage full or refused: the server copy still counts */ }
  }

  function save() {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    var body = new FormData(form);
    body.set("_draft_key", key);
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (answer) {
      say("Saved at " + answer.saved_at);
    }).catch(function () {
      dirty = true;
      say("Could not save — your text is still on this page", true);
    }).then(function () { saving = false; });
  }

  function changed() {
    dirty = true;
    keepLocal();
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  }

  function fill(data) {
    Object.keys(data).forEach(function (name) {
      var values = data[name];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) { return; }
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = values.indexOf(el.value) !== -1;
        } else if (el.type !== "hidden" && el.type !== "submit") {
          el.value = values[0];
        }
      });
    });
    changed();
  }

  /* Offer the browser's copy when it is newer than what the server has. */
  function offerLocal() {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.data) { return; }
    if (kept.at <= savedAt || document.querySelector(".restored")) {
      if (kept.at <= savedAt) { localStorage.removeItem(storageKey); }
      return;
    }
    var note = document.createElement("div");
    note.className = "flash notice restored-local";
    note.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = "This browser kept text from " + new Date(kept.at).toLocaleString() +
      " that is newer than the saved version.";
    var use = document.createElement("button");
    use.type = "button";
    use.className = "button";
    use.textContent = "Use it";
    use.addEventListener("click", function () { fill(kept.data); note.remove(); });
    var drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button";
    drop.textContent = "Discard";
    drop.addEventListener("click", function () { localStorage.removeItem(storageKey); note.remove(); });
    note.appendChild(text);
    note.appendChild(use);
    note.appendChild(drop);
    form.parentNode.insertBefore(note, form);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { clearTimeout(timer); });
  setInterval(save, 30000);
  offerLocal();
}());
