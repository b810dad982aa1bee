// The API tokens page: selecting the new token's field selects the whole key,
// so one copy takes all of it.
(function () {
  "use strict";
  var field = document.getElementById("new_token_key");
  if (!field) {
    return;
  }
  field.addEventListener("focus", function () {
    field.select();
  });
})();
