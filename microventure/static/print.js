/* The "Print / save as PDF" button of the print page. It stays hidden where the browser cannot
 * print (some in-app browsers have no window.print); the page says what to do there. */
(function () {
  "use strict";
  if (typeof window.print !== "function") return;
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
