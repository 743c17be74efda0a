/* The reviewer's score form: the total of the points typed so far, recomputed on input.
 *
 * Markup: <form data-score-form> with <input data-points data-max="20"> per criterion and an
 * <output data-score-total>. Only whole or half points within 0..max count, as on the server,
 * which computes and checks the same on every save; this only saves a round trip. Sums are kept
 * in half points so no floating-point remainder appears. */
(function () {
  "use strict";

  const form = document.querySelector("form[data-score-form]");
  if (!form) return;
  const output = form.querySelector("[data-score-total]");
  const inputs = form.querySelectorAll("[data-points]");

  function halfPoints(input) {
    const text = String(input.value).trim();
    if (!/^\d+(\.\d+)?$/.test(text)) return null;
    const doubled = Number(text) * 2;
    if (!Number.isInteger(doubled)) return null;
    return doubled <= Number(input.dataset.max) * 2 ? doubled : null;
  }

  function recompute() {
    let half = 0;
    inputs.forEach(function (input) {
      const value = halfPoints(input);
      if (value !== null) half += value;
    });
    output.textContent = String(half / 2);
  }

  form.addEventListener("input", recompute);
  recompute();
})();
