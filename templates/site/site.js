/* The web edition's only script: it enhances, and every page reads in full without it.
   - The councils list on the index: filter by name or code and by region.
   - Tables marked data-sortable: a button in each column heading sorts by that column. */
(function () {
  "use strict";

  function text(cell) { return (cell && cell.textContent || "").trim(); }

  function numberOf(s) {
    var t = s.replace(/[,£%k]/g, "").replace("\u2212", "-").replace(/\s.*$/, "");
    if (!/^-?\d+(\.\d+)?$/.test(t)) { return null; }
    return parseFloat(t);
  }

  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (a, b) {
      var x = text(a.cells[index]), y = text(b.cells[index]);
      var nx = numberOf(x), ny = numberOf(y);
      var r;
      if (nx !== null && ny !== null) { r = nx - ny; }
      else if (nx !== null) { r = -1; }
      else if (ny !== null) { r = 1; }
      else { r = x.localeCompare(y, "en-GB"); }
      return ascending ? r : -r;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function sortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (th.hasAttribute("data-chart")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  }

  function filter(form) {
    var table = document.getElementById("t-councils");
    if (!table) { return; }
    var q = form.querySelector("#q"), region = form.querySelector("#region"), count = form.querySelector("#count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var words = q.value.trim().toLowerCase(), r = region.value, shown = 0;
      rows.forEach(function (row) {
        var hit = (!words || row.getAttribute("data-name").indexOf(words) !== -1 ||
                   row.getAttribute("data-code").indexOf(words) !== -1) &&
                  (!r || row.getAttribute("data-region") === r);
        row.hidden = !hit;
        if (hit) { shown += 1; }
      });
      count.textContent = "Showing " + shown + " of " + rows.length + " councils";
    }
    q.addEventListener("input", apply);
    region.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    form.hidden = false;
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), sortable);
    var form = document.querySelector("form.filter");
    if (form) { filter(form); }
  });
}());
