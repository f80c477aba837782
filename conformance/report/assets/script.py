"""The script of report.html: client-side filters (failed only, level, area), no framework."""

JS = """
(function () {
  "use strict";
  var failed = document.getElementById("filter-failed");
  var level = document.getElementById("filter-level");
  var area = document.getElementById("filter-area");
  var reset = document.getElementById("filter-reset");
  var shown = document.getElementById("shown-count");
  var noRows = document.getElementById("no-rows");
  if (!failed || !level || !area) { return; }

  function matches(el) {
    if (el.getAttribute("data-always") === "1") { return !level.value && !area.value; }
    if (failed.checked && el.getAttribute("data-failed") !== "1") { return false; }
    if (level.value && el.getAttribute("data-level") !== level.value) { return false; }
    if (area.value && el.getAttribute("data-area") !== area.value) { return false; }
    return true;
  }

  function apply() {
    var rows = document.querySelectorAll("tr.behavior-row");
    var visible = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      if (ok) { visible += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("tbody.area-group"), function (g) {
      var shownRows = g.querySelectorAll("tr.behavior-row:not([hidden])").length;
      var count = g.querySelector(".group-count");
      var total = count.getAttribute("data-total");
      g.hidden = shownRows === 0;
      var label = String(shownRows) === total ? total : shownRows + " of " + total;
      count.textContent = "(" + label + ")";
    });
    Array.prototype.forEach.call(document.querySelectorAll("tr.area-row"), function (row) {
      var ok = !area.value || row.getAttribute("data-area") === area.value;
      if (failed.checked && row.getAttribute("data-failing") === "0") { ok = false; }
      row.hidden = !ok;
    });
    Array.prototype.forEach.call(document.querySelectorAll("details.failure"), function (card) {
      card.hidden = !matches(card);
    });
    shown.textContent = visible + " of " + rows.length + " behaviors shown";
    noRows.hidden = visible !== 0;
  }

  failed.addEventListener("change", apply);
  level.addEventListener("change", apply);
  area.addEventListener("change", apply);
  reset.addEventListener("click", function () {
    failed.checked = false;
    level.value = "";
    area.value = "";
    apply();
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.area-link"), function (b) {
    b.addEventListener("click", function () {
      area.value = b.getAttribute("data-area");
      apply();
      document.getElementById("behaviors").scrollIntoView();
    });
  });
  apply();
  document.body.setAttribute("data-ready", "1");
})();
"""
