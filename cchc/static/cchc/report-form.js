// The report form: one save per click, and the problem in view after a refused save.
// Plain script, no library; the page works without it (the server refuses a second
// submission of the same form as already saved, and the problem box has `autofocus`).
(function () {
  "use strict";

  function focusProblem() {
    var problem = document.querySelector("[data-focus-on-load]");
    if (problem && document.activeElement !== problem) {
      problem.focus();
    }
  }

  function reset(form) {
    delete form.dataset.sending;
    form.querySelectorAll('button[name="then"]').forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
      if (button.dataset.label) {
        button.textContent = button.dataset.label;
      }
    });
  }

  function guard(form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      // Only the save buttons: "add a row", "find", "pick" are steps within the form.
      if (!submitter || submitter.name !== "then") {
        return;
      }
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      form.querySelectorAll('button[name="then"]').forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
        if (button === submitter && button.dataset.sending) {
          button.dataset.label = button.textContent;
          button.textContent = button.dataset.sending;
        }
      });
      // Disabled only once the browser has read the form: a disabled button's value
      // ("save" or "submit") would not be sent.
      window.setTimeout(function () {
        form.querySelectorAll('button[name="then"]').forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  }

  function start() {
    document.querySelectorAll("form[data-report-form]").forEach(guard);
    focusProblem();
  }

  // Back to a page kept in the browser's cache: the buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-report-form]").forEach(reset);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
