/* Reading progress: remembers how far into a work the reader got.

   As she scrolls, the script notes the chapter in view and how far into it
   (0..1). A signed-in reader's place goes to the archive (POST
   /works/ID/progress, every few seconds at most, and once more when she
   leaves the page); a guest's stays in this browser (localStorage), and on
   the work's first page the script offers to continue from there, as the
   archive does for signed-in readers. A link ending in #progress=0.40 scrolls
   to that place. Without this script the pages work as before. */
(function () {
  "use strict";
  var tag = document.currentScript ||
    document.querySelector("script[data-work-id][data-progress-url]");
  if (!tag) return;

  var workId = tag.getAttribute("data-work-id");
  var shownId = tag.getAttribute("data-chapter-id");
  var shownNumber = parseInt(tag.getAttribute("data-chapter-number"), 10) || 1;
  var first = tag.getAttribute("data-first") === "true";
  var url = tag.getAttribute("data-progress-url") || "";
  var key = "chapterhouse.progress." + workId;
  var NEAR_START = 0.05;
  var EVERY_MS = 5000;

  function clamp(x) { return Math.max(0, Math.min(1, x)); }

  function areas() {
    var container = document.getElementById("chapters");
    if (!container) return [];
    var found = [];
    var divs = container.querySelectorAll(":scope > div.chapter");
    for (var i = 0; i < divs.length; i++) {
      var link = divs[i].querySelector("h3.title a[href]");
      var match = link && /\/chapters\/(\d+)/.exec(link.getAttribute("href"));
      var number = /^chapter-(\d+)$/.exec(divs[i].id || "");
      if (match) {
        found.push({ el: divs[i], id: match[1], number: number ? +number[1] : i + 1 });
      }
    }
    if (!found.length && shownId) {
      found.push({ el: container, id: shownId, number: shownNumber });
    }
    return found;
  }

  function place() {
    var list = areas();
    var middle = window.scrollY + window.innerHeight / 2;
    var chosen = null;
    for (var i = 0; i < list.length; i++) {
      var top = list[i].el.getBoundingClientRect().top + window.scrollY;
      if (top <= middle || !chosen) chosen = { area: list[i], top: top };
    }
    if (!chosen) return null;
    var height = chosen.area.el.offsetHeight || 1;
    return {
      chapter_id: chosen.area.id,
      chapter_number: chosen.area.number,
      position: Math.round(clamp((middle - chosen.top) / height) * 1000) / 1000
    };
  }

  function readStored() {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function keepLocally(p) {
    try {
      window.localStorage.setItem(key, JSON.stringify({
        chapter_id: p.chapter_id, chapter_number: p.chapter_number,
        position: p.position, at: Date.now()
      }));
    } catch (e) { /* private mode or full: nothing to keep */ }
  }

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  var last = null;
  var dirty = false;

  function changed(p) {
    return !last || last.chapter_id !== p.chapter_id || Math.abs(last.position - p.position) >= 0.01;
  }

  function send(leaving) {
    if (!dirty) return;
    var p = place();
    dirty = false;
    if (!p || !changed(p)) return;
    last = p;
    if (!url) { keepLocally(p); return; }
    if (leaving && navigator.sendBeacon) {
      var form = new FormData();
      form.append("csrfmiddlewaretoken", token());
      form.append("chapter_id", p.chapter_id);
      form.append("position", String(p.position));
      navigator.sendBeacon(url, form);
      return;
    }
    if (!window.fetch) return;
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: JSON.stringify({ chapter_id: p.chapter_id, position: p.position })
    }).catch(function () { /* try again on the next scroll */ dirty = true; });
  }

  function jumpToHash() {
    var match = /(?:^#|&)progress=([0-9.]+)/.exec(window.location.hash);
    if (!match) return;
    var list = areas();
    var target = null;
    for (var i = 0; i < list.length; i++) if (list[i].id === shownId) target = list[i];
    target = target || list[0];
    if (!target) return;
    var top = target.el.getBoundingClientRect().top + window.scrollY;
    var y = top + clamp(parseFloat(match[1])) * target.el.offsetHeight - window.innerHeight / 2;
    window.scrollTo(0, Math.max(0, y));
  }

  function offerGuestNotice() {
    if (url || !first || document.getElementById("reading_progress_notice")) return;
    var stored = readStored();
    if (!stored || !stored.chapter_id) return;
    var further = stored.chapter_number > shownNumber ||
      (String(stored.chapter_id) === String(shownId) && stored.position >= NEAR_START);
    if (!further) return;
    var phrase = "Chapter " + stored.chapter_number;
    if (stored.position >= NEAR_START) phrase += ", about " + Math.round(stored.position * 100) + "% in";
    var li = document.createElement("li");
    li.className = "reading-progress";
    var div = document.createElement("div");
    div.id = "reading_progress_notice";
    div.className = "notice";
    div.setAttribute("role", "status");
    div.appendChild(document.createTextNode("Continue where you left off: "));
    var a = document.createElement("a");
    a.href = "/works/" + workId + "/chapters/" + stored.chapter_id +
      "#progress=" + Number(stored.position).toFixed(2);
    a.textContent = phrase;
    div.appendChild(a);
    li.appendChild(div);
    var list = tag.parentNode && tag.parentNode.tagName === "UL" ? tag.parentNode : null;
    if (list) list.insertBefore(li, tag); else document.body.insertBefore(div, document.body.firstChild);
  }

  function start() {
    offerGuestNotice();
    jumpToHash();
    window.addEventListener("hashchange", jumpToHash);
    window.addEventListener("scroll", function () { dirty = true; }, { passive: true });
    window.setInterval(function () { send(false); }, EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") send(true);
    });
    window.addEventListener("pagehide", function () { send(true); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
