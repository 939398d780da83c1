/* Product gallery: a thumbnail shows its picture in place instead of loading the page again.
   Progressive enhancement only: each thumbnail is a link to ?photo=N, which the server renders. */
(function () {
  "use strict";
  var gallery = document.querySelector("[data-gallery]");
  if (!gallery) { return; }
  var main = gallery.querySelector("img.product-image");
  gallery.querySelectorAll(".gallery-thumbs a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!main || event.metaKey || event.ctrlKey || event.shiftKey) { return; }
      event.preventDefault();
      main.src = link.getAttribute("data-src");
      main.srcset = link.getAttribute("data-srcset");
      main.alt = link.getAttribute("data-alt");
      gallery.querySelectorAll(".gallery-thumbs a").forEach(function (other) {
        other.removeAttribute("aria-current");
      });
      link.setAttribute("aria-current", "true");
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", link.getAttribute("href").split("#")[0]);
      }
    });
  });
}());
