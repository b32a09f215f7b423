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

// The checklist's 全部符合: every item not answered yet is marked OK (the
// enumerator then reads the list and submits). An item already marked not
// OK stays so, and still needs its note: the server checks both.
(function () {
  "use strict";
  function allOk(form) {
    var radios = form.querySelectorAll("input[type=radio][value=yes]");
    for (var i = 0; i < radios.length; i += 1) {
      var group = form.querySelectorAll("input[type=radio][name='" + radios[i].name + "']");
      var answered = false;
      for (var j = 0; j < group.length; j += 1) {
        answered = answered || group[j].checked;
      }
      if (!answered) {
        radios[i].checked = true;
      }
    }
  }
  function setUp() {
    var form = document.getElementById("checklist-form");
    var button = document.getElementById("all-ok");
    if (!form || !button) {
      return;
    }
    button.closest("[data-all-ok]").hidden = false;
    button.addEventListener("click", function () {
      allOk(form);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
