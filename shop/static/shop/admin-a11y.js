/* Accessible names for the admin's inputs that Django leaves without a label: table cells in
   inlines and editable lists (named after their column and row), split date/time inputs,
   the search box, select2 autocompletes and filter_horizontal boxes. It only adds names and
   fixes references; it never changes what a form posts. Runs again as widgets appear. */
(function () {
  "use strict";

  function text(el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; }

  function named(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) { return true; }
    return Boolean(el.labels && Array.prototype.some.call(el.labels, function (l) { return text(l); }));
  }

  // The header of the cell's column, and something that tells the row apart.
  function cellName(cell) {
    var table = cell.closest("table");
    var headers = table ? table.querySelectorAll("thead th") : [];
    var header = "";
    var index = 0;
    var sibling = cell;
    while ((sibling = sibling.previousElementSibling)) { index += sibling.colSpan || 1; }
    for (var i = 0, col = 0; i < headers.length; i += 1) {
      if (col === index || (col < index && index < col + (headers[i].colSpan || 1))) {
        header = text(headers[i]);
        break;
      }
      col += headers[i].colSpan || 1;
    }
    var row = cell.closest("tr");
    var first = row ? row.querySelector("th, td.original p, td.field-name, td:first-child") : null;
    var rowName = first && first !== cell ? text(first).slice(0, 60) : "";
    return (header || "Value") + (rowName ? " (" + rowName + ")" : "");
  }

  function fieldName(input) {
    var row = input.closest(".form-row, .fieldBox, .flex-container");
    var label = row ? row.querySelector("label") : null;
    var name = text(label).replace(/:$/, "");
    if (/_0$/.test(input.id) && input.closest(".datetime")) { return name + " (date)"; }
    if (/_1$/.test(input.id) && input.closest(".datetime")) { return name + " (time)"; }
    return name;
  }

  function fix() {
    var search = document.getElementById("searchbar");
    if (search && !search.getAttribute("aria-label")) { search.setAttribute("aria-label", "Search"); }
    document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (el) {
      if (named(el)) { return; }
      var cell = el.closest("td, th");
      var name = cell && cell.closest("table") ? cellName(cell) : fieldName(el);
      if (name) { el.setAttribute("aria-label", name); }
    });
    // A reference to an element Django did not render (help text of a list's editable field).
    document.querySelectorAll("[aria-describedby]").forEach(function (el) {
      var ids = el.getAttribute("aria-describedby").split(/\s+/).filter(function (id) {
        return id && document.getElementById(id);
      });
      if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); }
      else { el.removeAttribute("aria-describedby"); }
    });
    // filter_horizontal replaces the select the field's label names: point it at the search box.
    document.querySelectorAll("label[for]").forEach(function (label) {
      var id = label.htmlFor;
      if (!document.getElementById(id) && document.getElementById(id + "_input")) {
        label.htmlFor = id + "_input";
      }
    });
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (el) {
      el.setAttribute("role", "img");
    });
    // select2 (autocomplete_fields): its combobox and search box take the select's name.
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) { return; }
      var name = select.getAttribute("aria-label") || (select.labels && select.labels[0] ? text(select.labels[0]).replace(/:$/, "") : "");
      container.querySelectorAll("[role=combobox], [role=textbox], .select2-search__field").forEach(function (el) {
        if (!el.getAttribute("aria-label") && name) { el.setAttribute("aria-label", name); }
      });
      container.querySelectorAll("ul.select2-selection__rendered:not([role])").forEach(function (ul) {
        ul.setAttribute("role", "presentation");
      });
    });
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    fix();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", schedule);
}());
