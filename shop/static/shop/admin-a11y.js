/* Accessible names for the widgets Django's admin scripts build in the browser: the boxes of
   filter_horizontal (SelectFilter2) and select2 autocompletes. Everything the server sends is
   named in its HTML already (templates/admin/: table cells, split date/time inputs, the search
   box, the theme toggle); this only covers what exists once Django's JavaScript has run. It
   only adds names and fixes references; it never changes what a form posts. */
(function () {
  "use strict";

  function text(el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; }

  function named(el) {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) { return true; }
    return Boolean(el.labels && Array.prototype.some.call(el.labels, function (l) { return text(l); }));
  }

  // The label of the form row a script-built box sits in.
  function fieldName(input) {
    var row = input.closest(".form-row, .fieldBox, .flex-container");
    return text(row ? row.querySelector("label") : null).replace(/:$/, "");
  }

  function fix() {
    document.querySelectorAll(".selector input:not([type=hidden]), .selector select").forEach(function (el) {
      if (named(el)) { return; }
      var name = fieldName(el);
      if (name) { el.setAttribute("aria-label", name + (/_to$/.test(el.id) ? " (chosen)" : /_from$/.test(el.id) ? " (available)" : "")); }
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
