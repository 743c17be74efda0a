/* Repeatable form rows (activities, budget lines, rubric criteria…), added and removed on the
 * page without losing what was typed. Markup:
 *   <div data-rows>
 *     <div data-row> … inputs named list-0-field … <button type="button" data-remove-row> </div>
 *     <template data-row-template> … inputs named list-__index__-field … </template>
 *     <button type="button" data-add-row>Add</button>
 *   </div>
 * WTForms' FieldList accepts the gaps removal leaves in the indices. A "rows:changed" event
 * bubbles from the container after every change, for live totals. */
(function () {
  "use strict";

  function nextIndex(container) {
    let highest = -1;
    container.querySelectorAll("[data-row] [name]").forEach(function (input) {
      const match = input.name.match(/-(\d+)-/);
      if (match) highest = Math.max(highest, parseInt(match[1], 10));
    });
    return highest + 1;
  }

  function changed(container) {
    container.dispatchEvent(new CustomEvent("rows:changed", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const container = add.closest("[data-rows]");
      const template = container.querySelector("template[data-row-template]");
      const index = String(nextIndex(container));
      const html = template.innerHTML.replace(/__index__/g, index);
      template.insertAdjacentHTML("beforebegin", html);
      const rows = container.querySelectorAll("[data-row]");
      const first = rows[rows.length - 1].querySelector("input, select, textarea");
      if (first) first.focus();
      changed(container);
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const container = remove.closest("[data-rows]");
      remove.closest("[data-row]").remove();
      changed(container);
    }
  });
})();
