// A shared work page is one copy for every guest, served by the HTTP cache
// without asking the site, so the site cannot count a guest's reading when
// the page is drawn. This script, loaded only on shared pages, tells the site
// once per page view: POST /works/ID/hit (never cached). The site counts it
// by the same rules as any hit: once per visitor per work per day, no bots,
// not the work's creators.
(function () {
  "use strict";
  var work = document.querySelector("div.work[data-work-id]");
  if (!work) return;
  var id = work.getAttribute("data-work-id");
  if (!/^[0-9]+$/.test(id)) return;
  var url = "/works/" + id + "/hit";

  function send() {
    if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
    if (window.fetch) {
      fetch(url, { method: "POST", credentials: "same-origin", keepalive: true, cache: "no-store" })
        .catch(function () {});
    }
  }

  // A page the browser prerenders may never be read: wait until it is shown.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
