/* Routine quiz: one question per screen on phones (Next / Back), the whole form on wider
   screens. Progressive enhancement only: without this the form shows every question and posts. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-quiz]");
  if (!form || !window.matchMedia) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  if (questions.length < 2) { return; }
  var phone = window.matchMedia("(max-width: 720px)");
  // Start at the first question with an error (a re-rendered form), else the first.
  var current = Math.max(0, questions.findIndex(function (q) { return q.classList.contains("has-error"); }));

  function show(index) {
    current = Math.min(Math.max(index, 0), questions.length - 1);
    questions.forEach(function (q, i) { q.classList.toggle("is-current", i === current); });
    form.classList.toggle("is-last", current === questions.length - 1);
  }

  function answered(question) {
    var inputs = question.querySelectorAll("input");
    if (inputs.length && inputs[0].type === "checkbox") { return true; } // none is an answer
    return Array.prototype.some.call(inputs, function (input) { return input.checked; });
  }

  function layout() {
    var stepped = phone.matches;
    form.classList.toggle("is-stepped", stepped);
    form.querySelectorAll("[data-quiz-nav]").forEach(function (nav) { nav.hidden = !stepped; });
    if (stepped) { show(current); }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.hasAttribute("data-quiz-back")) {
      show(current - 1);
    } else if (button.hasAttribute("data-quiz-next")) {
      var question = questions[current];
      var box = question.querySelector(".step-errors");
      if (!answered(question)) {
        box.innerHTML = "";
        var p = document.createElement("p");
        p.className = "field-error";
        p.textContent = "Choose an answer to go on.";
        box.appendChild(p);
        question.classList.add("has-error");
        return;
      }
      box.innerHTML = "";
      question.classList.remove("has-error");
      show(current + 1);
    } else {
      return;
    }
    var next = questions[current].querySelector("input");
    if (next) { next.focus(); }
  });

  if (phone.addEventListener) { phone.addEventListener("change", layout); }
  layout();
})();
