/* Checkout form: one click, one order. The server already makes a second submit show the same
   order; this only spares the shopper a second wait. Without JavaScript nothing changes. */
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
}());
