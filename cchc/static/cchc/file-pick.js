// File inputs drawn as "Chọn tệp…" (cchc.lib.widgets.FilePicker): write the picked names
// beside the button, since the browser's own words are hidden under it.
(function () {
  "use strict";

  function show(picker) {
    var input = picker.querySelector('input[type="file"]');
    var names = picker.querySelector(".file-pick-names");
    if (!input || !names) {
      return;
    }
    var files = Array.prototype.map.call(input.files || [], function (file) {
      return file.name;
    });
    if (files.length === 0) {
      names.textContent = picker.dataset.none;
    } else if (files.length <= 3) {
      names.textContent = files.join(", ");
    } else {
      names.textContent = String(files.length) + " " + picker.dataset.many;
    }
  }

  function start() {
    document.querySelectorAll("[data-file-pick]").forEach(function (picker) {
      picker.classList.add("file-pick-ready");
      picker.addEventListener("change", function () {
        show(picker);
      });
      show(picker);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
