/* The header menu on a phone: folded behind the "Menu" button, which says whether it is
   open (aria-expanded). Without this script the button stays hidden and the menu wraps,
   every item visible; on a wide screen the CSS hides the button and shows the menu. */
(function () {
  "use strict";
  var header = document.querySelector(".topbar");
  var button = header && header.querySelector(".menu-toggle");
  if (!button) return;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("menu-open", open);
  }
  header.classList.add("menu-folds");
  button.hidden = false;
  set(false);
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("menu-open")) {
      set(false);
      button.focus();
    }
  });
})();
