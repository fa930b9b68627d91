// Progressive enhancement only: every form works without this file.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
    el.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Tables that scroll sideways on a phone must be reachable by keyboard.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".table-wrap").forEach(function (el) {
    if (!el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
    }
  });
});

// A refused step comes back with what was typed (core/form_flash.py): show
// that form, opened if it sits in a closed <details>, at its first error.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-kept]");
  if (!form) {
    var error = document.querySelector("form .has-error");
    form = error ? error.closest("form") : null;
  }
  if (!form) {
    return;
  }
  for (var el = form.parentElement; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") {
      el.open = true;
    }
  }
  var first = form.querySelector(".has-error input, .has-error textarea, .has-error select") ||
    form.querySelector("textarea, input:not([type=hidden]), select");
  form.scrollIntoView({block: "start"});
  if (first) {
    first.focus({preventScroll: true});
  }
});
