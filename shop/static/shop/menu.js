/* The phone menu: a real disclosure button in place of the no-JavaScript checkbox toggle.
   The button drives the same checkbox, so site.css shows and hides the nav in one way. */
(function () {
  "use strict";
  var toggle = document.getElementById("menu-toggle");
  var label = document.querySelector("label[for='menu-toggle']");
  var nav = document.getElementById("site-nav");
  if (!toggle || !label || !nav) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-button";
  button.setAttribute("aria-controls", "site-nav");
  button.setAttribute("aria-expanded", "false");
  button.innerHTML = label.innerHTML; // the icon span and "Menu", from the server's template
  label.hidden = true;
  toggle.hidden = true;
  label.parentNode.insertBefore(button, label);

  function set(open) {
    toggle.checked = open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { set(!toggle.checked); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.checked) { set(false); button.focus(); }
  });
}());
