/* The decisions page's one decision form, opened under the row being decided.
 *
 * Markup (templates/decisions/index.html, rows from decisions/table.py):
 *   <tr id="application-7" data-reference="…"> … <a data-decide="7" data-amount="30000.00"
 *       data-conditions="…" data-reason="…" href="?decide=7#decide">Decide</a></td></tr>
 *   <tr id="decide" data-application="7|''" hidden?><td><form data-action=".../{id}?basis=…"
 *       data-title="Decision on %(ref)s"> … amount, conditions[, reason] … [data-decide-cancel]
 * Without JavaScript the "Decide" link asks the server for the page with the form under that
 * row. Here a click moves the form under the row and fills it from the link instead, without a
 * request. The form of a refused decision (its errors, what was typed) stays as it is when its
 * own row is opened again; another row's starts from that row's values. */
(function () {
  "use strict";

  const formRow = document.getElementById("decide");
  if (!formRow) return;
  const form = formRow.querySelector("form");
  const table = formRow.closest("table");
  const title = document.getElementById("decide-title");
  const project = form.querySelector("[data-decide-project]");

  function linkOf(id) {
    return table.querySelector('a[data-decide="' + id + '"]');
  }

  function setField(name, value) {
    const field = form.elements.namedItem(name);
    if (field) field.value = value || "";
  }

  function clearErrors() {
    form.querySelectorAll(".is-invalid").forEach(function (field) {
      field.classList.remove("is-invalid");
    });
    form.querySelectorAll("[data-error-for]").forEach(function (message) {
      message.remove();
    });
  }

  function markRow(id, on) {
    const row = id && document.getElementById("application-" + id);
    if (!row) return;
    row.classList.remove("table-danger");
    row.classList.toggle("table-active", on);
    const link = linkOf(id);
    if (link) link.setAttribute("aria-expanded", on ? "true" : "false");
  }

  function fill(link, row) {
    const id = link.dataset.decide;
    clearErrors();
    setField("amount", link.dataset.amount);
    setField("conditions", link.dataset.conditions);
    setField("reason", link.dataset.reason);
    form.action = form.dataset.action.replace("{id}", id);
    title.textContent = form.dataset.title.replace("%(ref)s", row.dataset.reference);
    const cell = row.querySelector('[data-col="title"]');
    project.textContent = cell ? cell.textContent : "";
    formRow.dataset.application = id;
  }

  function open(link) {
    const id = link.dataset.decide;
    const row = document.getElementById("application-" + id);
    if (!row) return;
    const previous = formRow.dataset.application;
    if (previous !== id) {
      markRow(previous, false);
      fill(link, row);
    }
    row.after(formRow);
    formRow.hidden = false;
    markRow(id, true);
    formRow.scrollIntoView({ block: "nearest" });
  }

  function close() {
    formRow.hidden = true;
    const id = formRow.dataset.application;
    markRow(id, false);
    const link = id && linkOf(id);
    if (link) link.focus();
  }

  table.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return; // a new tab or window: the link's own page
    }
    const link = event.target.closest("a[data-decide]");
    if (link) {
      event.preventDefault();
      if (!formRow.hidden && formRow.dataset.application === link.dataset.decide) close();
      else open(link);
      return;
    }
    if (event.target.closest("[data-decide-cancel]")) {
      event.preventDefault();
      close();
    }
  });

  // Opened by the server (?decide=, or a refusal, whose page has the POST's address and so no
  // #decide to scroll to): show the refused field and put the cursor in it.
  const current = formRow.dataset.application && linkOf(formRow.dataset.application);
  if (current) current.setAttribute("aria-expanded", "true");
  const invalid = !formRow.hidden && form.querySelector(".is-invalid");
  if (invalid) {
    formRow.scrollIntoView({ block: "center" });
    invalid.focus({ preventScroll: true });
  }
})();
