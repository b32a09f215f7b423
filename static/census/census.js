// Census pages: a form marked "census-once" is sent once. A second click
// while the first post is on its way would otherwise post the same check
// again (the server accepts such a repeat harmlessly, but the user would see
// a second round trip).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("census-once")) {
      return;
    }
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].disabled = true;
    }
  });
})();
