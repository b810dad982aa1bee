// Progressive enhancement: an <input data-autocomplete="Fandom|Character|Relationship|Freeform">
// gets a <datalist> of suggestions from /autocomplete/tags as the reader types.
// For comma-separated fields, only the part after the last comma is looked up.
// Optional data-autocomplete-fandoms="#id_of_fandom_input" narrows characters and relationships.
(function () {
  "use strict";
  var counter = 0;

  function lastPart(value) {
    var parts = value.split(",");
    return { head: parts.slice(0, -1).join(","), term: parts[parts.length - 1].trim() };
  }

  function enhance(input) {
    var list = document.createElement("datalist");
    list.id = "tag-autocomplete-" + (++counter);
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    var pending = null;

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var split = lastPart(input.value);
        if (!split.term) { list.replaceChildren(); return; }
        var params = new URLSearchParams({ term: split.term, type: input.dataset.autocomplete });
        var fandomSelector = input.dataset.autocompleteFandoms;
        var fandomInput = fandomSelector && document.querySelector(fandomSelector);
        if (fandomInput && fandomInput.value.trim()) params.set("fandoms", fandomInput.value);
        if (pending) pending.abort();
        pending = new AbortController();
        fetch("/autocomplete/tags?" + params.toString(), { signal: pending.signal })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (tags) {
            var prefix = split.head ? split.head + ", " : "";
            list.replaceChildren.apply(list, tags.map(function (tag) {
              var option = document.createElement("option");
              option.value = prefix + tag.name;
              return option;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-autocomplete]").forEach(enhance);
  });
})();
