/* Checkout form: one click, one order; and the address follows the country.

   The server already makes a second submit show the same order; disabling the button only
   spares the shopper a second wait. When the country changes, the region list shows only that
   country's regions (hidden where it has none), is relabelled (State, Province, ...), and the
   city, region and postal code fields take the country's order (`data-layouts`, written by
   shop/checkout/forms.py). Without JavaScript the form keeps a default order and the server
   checks everything. */
(function () {
  "use strict";
  document.querySelectorAll("form").forEach(function (form) {
    var button = form.querySelector("button[data-once]");
    if (!button) { return; }
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.textContent = "Placing your order…";
      }, 0);
    });
  });

  var form = document.querySelector("form[data-layouts]");
  if (!form) { return; }
  var country = form.querySelector("#id_country");
  var region = form.querySelector("#id_region");
  var place = form.querySelector("[data-address-place]");
  if (!country || !region || !place) { return; }
  var layouts = JSON.parse(form.getAttribute("data-layouts"));
  var regionField = region.closest(".field");
  var regionLabel = regionField.querySelector("label");
  var regionHelp = regionField.querySelector(".help");
  var groups = Array.prototype.slice.call(region.querySelectorAll("optgroup"));

  function fieldOf(id) {
    var input = form.querySelector("#id_" + id);
    return input ? input.closest(".field") : null;
  }

  function update() {
    var code = country.value;
    var label = layouts.labels[code];
    var selected = region.value;
    // Only this country's regions: the other groups leave the list.
    groups.forEach(function (group) { group.remove(); });
    groups.forEach(function (group) {
      var first = group.querySelector("option");
      if (first && first.value.indexOf(code + "-") === 0) { region.appendChild(group); }
    });
    if (selected && selected.indexOf(code + "-") !== 0) { region.value = ""; }
    regionField.hidden = !label;
    region.required = Boolean(label);
    if (label) { regionLabel.textContent = label; }
    if (regionHelp) { regionHelp.hidden = true; }
    var order = layouts.postal_first.indexOf(code) >= 0
      ? ["postal_code", "city", "region"]
      : ["city", "region", "postal_code"];
    order.forEach(function (name) {
      var field = fieldOf(name);
      if (field) { place.appendChild(field); }
    });
  }

  country.addEventListener("change", update);
  update();
}());
