/* The call form's live hints: running totals of the rubric points and tranche shares (they must
 * reach 100), the matching share that follows from the maximum grant share, and the street
 * scope that a street's fund imposes. The server checks all of it again; this only helps typing.
 * Markup:
 *   <div data-rows data-sum-field="max_points" data-sum-output="ID"> … rows … </div>
 *   <output id="ID" data-target="100">
 *   <output data-matching-share for="max_grant_share">
 *   <select id="fund_id"> <option data-street-id="3"> …   and   <select id="street_id"> */
(function () {
  "use strict";

  const form = document.querySelector("[data-call-form]");
  if (!form) return;

  function updateTotal(container) {
    const field = container.dataset.sumField;
    const output = document.getElementById(container.dataset.sumOutput);
    if (!field || !output) return;
    let total = 0;
    container.querySelectorAll("[data-row] input[name$='-" + field + "']").forEach(function (input) {
      const value = parseInt(input.value, 10);
      if (!Number.isNaN(value)) total += value;
    });
    const target = parseInt(output.dataset.target || "100", 10);
    output.textContent = String(total);
    output.classList.toggle("text-success", total === target);
    output.classList.toggle("text-danger", total !== target);
  }

  function updateAllTotals() {
    form.querySelectorAll("[data-rows][data-sum-field]").forEach(updateTotal);
  }

  const share = document.getElementById("max_grant_share");
  const matching = form.querySelector("[data-matching-share]");

  function updateMatching() {
    if (!share || !matching) return;
    const value = parseInt(share.value, 10);
    matching.textContent = value >= 1 && value <= 100 ? String(100 - value) : "—";
  }

  const fund = document.getElementById("fund_id");
  const street = document.getElementById("street_id");

  function applyFundStreet() {
    if (!fund || !street) return;
    const chosen = fund.options[fund.selectedIndex];
    const fixed = chosen ? chosen.dataset.streetId : "";
    Array.prototype.forEach.call(street.options, function (option) {
      option.disabled = Boolean(fixed) && option.value !== fixed;
    });
    if (fixed) street.value = fixed;
  }

  form.addEventListener("input", function (event) {
    const container = event.target.closest("[data-rows][data-sum-field]");
    if (container) updateTotal(container);
    if (event.target === share) updateMatching();
  });
  form.addEventListener("rows:changed", function (event) {
    if (event.target.matches("[data-sum-field]")) updateTotal(event.target);
  });
  if (fund) fund.addEventListener("change", applyFundStreet);

  updateAllTotals();
  updateMatching();
  applyFundStreet();
})();
