/* The application form (申报书): live budget figures and two guards against losing work.
 *
 * Budget: every line's amount (unit price × quantity) and the totals the submission rules
 * check — grant requested against the call's range, matching + in kind, the grant's share of the
 * total against the call's maximum, and each capped category's share of the grant — recomputed
 * on input and on rows.js's "rows:changed". The server computes the same figures on every save;
 * these only save a round trip. Markup:
 *   <section data-budget data-max-share="60" data-grant-min="1000000" data-grant-max="5000000">
 *     <div data-row> …-category, …-unit_price, …-quantity, …-source… <output data-line-amount>
 *     <… data-total="grant|matching|in_kind|own|total|share">
 *     <tr data-category="personnel" data-cap="30"> <… data-category-spent> <… data-category-share>
 * Amounts are integer fen, as on the server, so no floating-point cents appear.
 *
 * Guards: a file larger than the upload limit (data-max-bytes on the file input) is refused
 * before the whole form is sent and rejected; leaving the page with unsaved typing asks first. */
(function () {
  "use strict";

  const form = document.querySelector("form[data-application-form]");
  if (!form) return;
  const budget = form.querySelector("[data-budget]");

  function toFen(text) {
    const cleaned = String(text).trim().replace(/[,，\s]/g, "").replace(/^¥/, "");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
    const parts = cleaned.split(".");
    return Number(parts[0]) * 100 + Number(((parts[1] || "") + "00").slice(0, 2));
  }

  function toCount(text) {
    const cleaned = String(text).trim().replace(/[,，\s]/g, "");
    return /^\d+$/.test(cleaned) ? Number(cleaned) : null;
  }

  function money(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    const yuan = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + "¥" + yuan + "." + String(abs % 100).padStart(2, "0");
  }

  function percent(part, whole) {
    return whole ? ((part * 100) / whole).toFixed(1) + "%" : "—";
  }

  function show(selector, text, over) {
    budget.querySelectorAll(selector).forEach(function (el) {
      el.textContent = text;
      if (over !== undefined) el.classList.toggle("text-danger", over);
    });
  }

  function field(row, suffix) {
    return row.querySelector("[name$='-" + suffix + "']");
  }

  function recompute() {
    const sums = { grant: 0, matching: 0, in_kind: 0 };
    const grantByCategory = {};
    budget.querySelectorAll("[data-row]").forEach(function (row) {
      const output = row.querySelector("[data-line-amount]");
      const price = toFen(field(row, "unit_price").value);
      const quantity = toCount(field(row, "quantity").value);
      if (price === null || quantity === null) {
        output.textContent = "—";
        return;
      }
      const amount = price * quantity;
      const source = field(row, "source").value;
      const category = field(row, "category").value;
      output.textContent = money(amount);
      sums[source] = (sums[source] || 0) + amount;
      if (source === "grant") grantByCategory[category] = (grantByCategory[category] || 0) + amount;
    });

    const grant = sums.grant;
    const total = grant + sums.matching + sums.in_kind;
    const maxShare = Number(budget.dataset.maxShare);
    const outOfRange =
      total > 0 &&
      (grant < Number(budget.dataset.grantMin) || grant > Number(budget.dataset.grantMax));
    show("[data-total=grant]", money(grant), outOfRange);
    show("[data-total=matching]", money(sums.matching));
    show("[data-total=in_kind]", money(sums.in_kind));
    show("[data-total=own]", money(sums.matching + sums.in_kind));
    show("[data-total=total]", money(total));
    // The same integer test as the server: grant × 100 > max share × total.
    show("[data-total=share]", percent(grant, total), grant * 100 > maxShare * total);

    budget.querySelectorAll("[data-category]").forEach(function (line) {
      const spent = grantByCategory[line.dataset.category] || 0;
      const over = spent * 100 > Number(line.dataset.cap) * grant;
      line.querySelector("[data-category-spent]").textContent = money(spent);
      const share = line.querySelector("[data-category-share]");
      share.textContent = percent(spent, grant);
      line.classList.toggle("table-danger", over);
    });
  }

  if (budget) {
    budget.addEventListener("input", recompute);
    budget.addEventListener("change", recompute);
    form.addEventListener("rows:changed", recompute);
    recompute();
  }

  // ---------------------------------------------------------------------- losing work

  let dirty = false;
  form.addEventListener("input", function () {
    dirty = true;
  });
  form.addEventListener("rows:changed", function () {
    dirty = true;
  });

  form.addEventListener("submit", function (event) {
    const input = form.querySelector("input[type=file][data-max-bytes]");
    const file = input && input.files && input.files[0];
    const message = input && form.querySelector("[data-file-message]");
    if (file && file.size > Number(input.dataset.maxBytes)) {
      event.preventDefault();
      input.classList.add("is-invalid");
      if (message) {
        message.textContent = input.dataset.tooLarge.replace("%(name)s", file.name);
        message.classList.remove("d-none");
      }
      input.focus();
      return;
    }
    dirty = false;
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
