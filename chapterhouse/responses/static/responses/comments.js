/* Keeps a comment being written in the browser (localStorage), so a lost
   session, a closed tab or a failed post does not cost the reader her text.

   - Each comment form has data-draft-key (comment:work:ID, comment:chapter:ID,
     comment:reply:ID, comment:edit:ID); the text is saved under it as she types.
   - On load, an empty box is filled from the saved copy and
     #comment_restored_notice is shown.
   - The page after a successful post carries [data-comment-posted="KEY"]:
     that copy is forgotten. Nothing else clears it.
   The forms work without this script. */
(function () {
  "use strict";
  var PREFIX = "chapterhouse:";
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(PREFIX + "probe", "1");
    storage.removeItem(PREFIX + "probe");
  } catch (e) {
    return;
  }

  function forget(key) {
    try { storage.removeItem(PREFIX + key); } catch (e) { /* nothing to do */ }
  }

  function keep(key, text) {
    try {
      if (text.trim()) {
        storage.setItem(PREFIX + key, text);
      } else {
        storage.removeItem(PREFIX + key);
      }
    } catch (e) { /* storage full: the text is still in the box */ }
  }

  function counter(box) {
    var shown = document.getElementById(box.id + "_counter");
    if (!shown) { return; }
    var max = parseInt(shown.getAttribute("data-maxlength") || "10000", 10);
    shown.textContent = String(max - box.value.length);
  }

  function setUp() {
    var posted = document.querySelectorAll("[data-comment-posted]");
    Array.prototype.forEach.call(posted, function (mark) {
      forget(mark.getAttribute("data-comment-posted"));
    });
    var forms = document.querySelectorAll("form[data-draft-key]");
    Array.prototype.forEach.call(forms, function (form) {
      var key = form.getAttribute("data-draft-key");
      var box = form.querySelector("textarea[name='comment[comment_content]']");
      if (!box) { return; }
      var saved = null;
      try { saved = storage.getItem(PREFIX + key); } catch (e) { saved = null; }
      if (!box.value.trim() && saved) {
        box.value = saved;
        var notice = form.querySelector("#comment_restored_notice");
        if (notice) { notice.hidden = false; }
      } else if (box.value.trim()) {
        keep(key, box.value);  // text the server gave back (failed post, log-in)
      }
      counter(box);
      var timer = null;
      box.addEventListener("input", function () {
        counter(box);
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { keep(key, box.value); }, 300);
      });
      form.addEventListener("submit", function () { keep(key, box.value); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
