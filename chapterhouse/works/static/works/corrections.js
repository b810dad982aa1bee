/* Reader corrections: select text in a chapter, press the button, and the
   correction form opens in place, filled with the selection and the words
   around it. Without this script the "Suggest a correction" link opens the
   same form on its own page. */
(function () {
  "use strict";
  if (window.chapterhouseCorrections) return;  // the script may be included once per chapter
  window.chapterhouseCorrections = true;

  var CONTEXT = 120;
  var button = null;
  var pending = null;

  function hookOf(node) {
    var element = node && node.nodeType === 1 ? node : node && node.parentElement;
    while (element) {
      if (element.classList && element.classList.contains("userstuff")) {
        // The hook sits right after the chapter's text, outside it, so that
        // downloaders and scrapers never take it for part of the story.
        var next = element.nextElementSibling;
        if (next && next.classList.contains("corrections-hook")) {
          return { area: element, hook: next };
        }
      }
      element = element.parentElement;
    }
    return null;
  }

  function squash(text) { return text.replace(/\s+/g, " "); }

  function hideButton() {
    if (button) { button.remove(); button = null; }
  }

  function selectionInfo() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    var found = hookOf(range.commonAncestorContainer);
    if (!found || found.hook.contains(range.commonAncestorContainer)) return null;
    var passage = squash(range.toString()).trim();
    if (!passage) return null;
    var before = document.createRange();
    before.setStart(found.area, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var after = document.createRange();
    after.setStart(range.endContainer, range.endOffset);
    after.setEnd(found.area, found.area.childNodes.length);
    return {
      hook: found.hook,
      rect: range.getBoundingClientRect(),
      passage: passage.slice(0, 2000),
      before: squash(before.toString()).slice(-CONTEXT),
      after: squash(after.toString()).slice(0, CONTEXT)
    };
  }

  function openForm(info) {
    hideButton();
    var old = info.hook.querySelector("form.correction-inline");
    if (old) old.remove();
    var template = info.hook.querySelector("template.correction-template");
    var form = template.content.firstElementChild.cloneNode(true);
    form.elements.passage.value = info.passage;
    form.elements.replacement.value = info.passage;
    form.elements.context_before.value = info.before;
    form.elements.context_after.value = info.after;
    form.querySelector(".correction-cancel").addEventListener("click", function () {
      form.remove();
    });
    info.hook.appendChild(form);
    form.scrollIntoView({ block: "nearest" });
    form.elements.replacement.focus();
  }

  function showButton() {
    var info = selectionInfo();
    if (!info) { hideButton(); return; }
    pending = info;
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "correction-button";
      button.textContent = "Suggest a correction";
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { if (pending) openForm(pending); });
      document.body.appendChild(button);
    }
    button.style.top = (window.scrollY + info.rect.bottom + 6) + "px";
    button.style.left = (window.scrollX + Math.max(info.rect.left, 8)) + "px";
  }

  document.addEventListener("mouseup", function () { setTimeout(showButton, 0); });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") setTimeout(showButton, 0);
    if (event.key === "Escape") hideButton();
  });
  document.addEventListener("touchend", function () { setTimeout(showButton, 300); });
})();
