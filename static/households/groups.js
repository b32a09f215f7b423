// The group choice follows the chosen village: a form marked
// data-village-groups="<id of a json_script>" offers, in its "group" select,
// the groups of the village chosen in its "village" select (no reload, no
// inline script: the groups come from the page's JSON). Where the form has a
// "town" select, choosing another town lets the village chosen go.
(function () {
  "use strict";
  function setUp(form) {
    var data = document.getElementById(form.dataset.villageGroups);
    var village = form.querySelector("select[name=village]");
    var group = form.querySelector("select[name=group]");
    if (!data || !village || !group) {
      return;
    }
    var groups = JSON.parse(data.textContent);
    var anyLabel = form.dataset.anyGroup || "";
    var pickVillageLabel = form.dataset.pickVillage || anyLabel;
    village.addEventListener("change", function () {
      var chosen = groups[village.value] || [];
      var previous = group.value;
      while (group.options.length) {
        group.remove(0);
      }
      group.add(new Option(village.value ? anyLabel : pickVillageLabel, ""));
      for (var i = 0; i < chosen.length; i += 1) {
        var value = String(chosen[i][0]);
        group.add(new Option(chosen[i][1], value, false, value === previous));
      }
      group.disabled = !village.value && chosen.length === 0 && !!form.dataset.pickVillage;
    });
    // Another town chosen: its villages are offered once the form is sent, so
    // the village (and its group) chosen in the previous town is let go.
    var town = form.querySelector("select[name=town]");
    if (town) {
      town.addEventListener("change", function () {
        village.value = "";
        village.dispatchEvent(new Event("change"));
      });
    }
  }
  function start() {
    var forms = document.querySelectorAll("form[data-village-groups]");
    for (var i = 0; i < forms.length; i += 1) {
      setUp(forms[i]);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
