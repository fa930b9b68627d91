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

// The case page (issue 22): a list of the record's sections to jump
// between, built from the sections the page holds; the head's "next step"
// links open and show that step's form; and, when the address names no
// place, the page lands on the user's first step.
var STEP_FORMS = {deliberate: ["deliberate", "vote", "confirm_vote", "rule"], decide_review: ["deliberate", "vote",
  "confirm_vote", "decide_review"], edit: []};
function showStepForm(name) {
  var names = STEP_FORMS[name] || [name];
  var form = null;
  for (var i = 0; i < names.length && !form; i++) {
    form = document.querySelector("form[data-action='" + names[i] + "']");
  }
  var target = form || (name === "edit" ? document.getElementById("case-actions") : null);
  if (!target) {
    return false;
  }
  for (var el = target.parentElement; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") {
      el.open = true;
    }
  }
  target.scrollIntoView({block: "start"});
  var first = form ? form.querySelector("textarea, input:not([type=hidden]), select") : null;
  if (first) {
    first.focus({preventScroll: true});
  }
  return true;
}
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-goto]") : null;
  if (link && showStepForm(link.getAttribute("data-goto"))) {
    event.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var nav = document.getElementById("case-sections");
  if (!nav) {
    return;
  }
  var list = nav.querySelector("ul");
  document.querySelectorAll("[data-section][id]").forEach(function (section) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = "#" + section.id;
    link.textContent = section.getAttribute("data-section");
    item.appendChild(link);
    list.appendChild(item);
  });
  if (window.location.hash || document.querySelector("form[data-kept], form .has-error")) {
    return;
  }
  var steps = (nav.getAttribute("data-landing") || "").split(" ");
  for (var i = 0; i < steps.length; i++) {
    if (steps[i] && steps[i] !== "edit" && showStepForm(steps[i])) {
      return;
    }
  }
});
