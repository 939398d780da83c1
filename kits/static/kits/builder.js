/* Routine kit builder: re-price on every change without a page load.
   Progressive enhancement only: the form posts and re-renders the same page without this. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-builder]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var summary = document.getElementById("builder-summary");
  var updateButton = form.querySelector("[data-update]");
  var controller = null;
  // Every change re-prices the routine: the button is needed only without this script.
  if (updateButton) { updateButton.hidden = true; }

  function showErrors(fieldset, problems) {
    var box = fieldset.querySelector(".step-errors");
    // "Choose one toner" before the shopper reached the toner is noise: missing-product
    // messages appear live only where the last submit already showed an error.
    var showing = box.children.length > 0;
    box.textContent = "";
    problems.forEach(function (problem) {
      if (problem.code === "missing" && !showing) { return; }
      var p = document.createElement("p");
      p.className = "field-error";
      p.textContent = problem.message;
      box.appendChild(p);
    });
    fieldset.classList.toggle("has-error", box.children.length > 0);
  }

  function render(data) {
    summary.innerHTML = data.summary_html; // rendered and escaped by the server's template
    form.querySelectorAll("[data-when-valid]").forEach(function (el) { el.hidden = !data.valid; });
    form.querySelectorAll("[data-when-invalid]").forEach(function (el) { el.hidden = data.valid; });
    form.querySelectorAll("fieldset[data-step]").forEach(function (fieldset) {
      showErrors(fieldset, data.errors[fieldset.getAttribute("data-step")] || []);
    });
  }

  function update() {
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    summary.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(render).catch(function (error) {
      // Leave the page as it is and bring the "Update my routine" button back (an aborted
      // request was only overtaken by a newer one).
      if (updateButton && !(error && error.name === "AbortError")) { updateButton.hidden = false; }
    }).then(function () { summary.removeAttribute("aria-busy"); });
  }

  // A step's limit in the controls: once it holds its most, its other boxes are disabled
  // (the server still refuses more, for a page without this script or a tampered form).
  function enforceLimits() {
    form.querySelectorAll("fieldset[data-max]").forEach(function (fieldset) {
      var max = parseInt(fieldset.getAttribute("data-max"), 10);
      var boxes = fieldset.querySelectorAll("input[type=checkbox]");
      var checked = fieldset.querySelectorAll("input[type=checkbox]:checked").length;
      boxes.forEach(function (box) {
        box.disabled = !box.checked && checked >= max;
        box.closest(".choice").classList.toggle("choice-disabled", box.disabled);
      });
    });
  }

  form.addEventListener("change", function () { enforceLimits(); update(); });
  enforceLimits();
}());
