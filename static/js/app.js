// Every page (templates/base.html). No inline scripts: the
// Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";

  // The header menu folds behind a button on narrow screens (the CSS hides
  // the menu only once this script has marked the header "collapsible", so
  // without scripts the menu stays visible).
  var header = document.querySelector("header.top");
  var toggle = header && header.querySelector(".menu-toggle");
  if (toggle) {
    header.classList.add("collapsible");
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // On a phone a long filter form would push the list a screen down: past
  // its first two fields it folds behind a button, unless one of the folded
  // fields is in use.
  if (window.matchMedia && window.matchMedia("screen and (max-width: 760px)").matches) {
    var forms = document.querySelectorAll("form.filters");
    for (var f = 0; f < forms.length; f += 1) {
      var labels = forms[f].querySelectorAll(":scope > label");
      if (labels.length <= 4) {
        continue;
      }
      var used = false;
      for (var l = 2; l < labels.length; l += 1) {
        labels[l].classList.add("extra");
        var input = labels[l].querySelector("input, select");
        if (input && input.value && input.type !== "hidden" && !(input.tagName === "SELECT" && input.selectedIndex === 0)) {
          used = true;
        }
      }
      if (used) {
        continue;
      }
      var form = forms[f];
      form.classList.add("folded");
      var more = document.createElement("button");
      more.type = "button";
      more.className = "btn secondary more-filters";
      more.textContent = "更多筛选条件";
      more.addEventListener("click", function (event) {
        event.target.form.classList.remove("folded");
        event.target.remove();
      });
      labels[1].insertAdjacentElement("afterend", more);
    }
  }

  // Tables become one card per row on narrow screens: each cell is labelled
  // with its column's head (data-label, shown by the CSS). Cells spanning
  // several columns take the first one's head; a table marked "no-cards"
  // keeps its grid.
  var tables = document.querySelectorAll("main table:not(.no-cards)");
  for (var t = 0; t < tables.length; t += 1) {
    var table = tables[t];
    var heads = [];
    var headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (headRow) {
      for (var h = 0; h < headRow.cells.length; h += 1) {
        var span = headRow.cells[h].colSpan || 1;
        var text = headRow.cells[h].textContent.trim();
        for (var s = 0; s < span; s += 1) {
          heads.push(text);
        }
      }
    }
    for (var b = 0; b < table.tBodies.length; b += 1) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r += 1) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c += 1) {
          var cell = rows[r].cells[c];
          if (!cell.hasAttribute("data-label")) {
            var single = rows[r].cells.length === 1;
            cell.setAttribute("data-label", single ? "" : heads[column] || "");
          }
          column += cell.colSpan || 1;
        }
      }
    }
    table.classList.add("cards");
  }
})();
