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

// The meeting form counts the members ticked present against the quorum
// before it is saved (the service refuses a meeting without it anyway).
function updateQuorum(form) {
  var status = form.querySelector(".quorum-status");
  if (!status) {
    return;
  }
  var required = parseInt(form.getAttribute("data-quorum-required"), 10);
  var total = form.getAttribute("data-quorum-total");
  var present = form.querySelectorAll("input[name=members_present]:checked").length;
  var ok = present >= required;
  var text = status.getAttribute(ok ? "data-text-ok" : "data-text-short");
  status.textContent = text.replace("{present}", present).replace("{total}", total)
    .replace("{required}", required);
  status.classList.toggle("quorum-ok", ok);
  status.classList.toggle("quorum-short", !ok);
  var button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = !ok;
  }
}
document.addEventListener("change", function (event) {
  var form = event.target.closest ? event.target.closest("form.js-quorum") : null;
  if (form) {
    updateQuorum(form);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.js-quorum").forEach(updateQuorum);
});
