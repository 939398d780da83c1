// Shows how many characters the entry comment has left; the form works without it.
(function () {
  var box = document.getElementById("id_comment");
  if (!box || !box.maxLength || box.maxLength < 0) return;
  var note = document.createElement("p");
  note.className = "char-count";
  note.setAttribute("aria-live", "polite");
  box.insertAdjacentElement("afterend", note);
  function update() { note.textContent = (box.maxLength - box.value.length) + " characters left"; }
  box.addEventListener("input", update);
  update();
})();
