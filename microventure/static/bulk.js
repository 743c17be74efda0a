/* Lists that act on many rows at once (bulk forms):
 *   <input type="checkbox" data-check-all="ids">  ticks or unticks every checkbox named "ids"
 *                                                  of its form (the rows of this page);
 *   <form data-once>                               is sent once: a second click while the first
 *                                                  request is on its way does nothing.
 * The server does not rely on either: each row is checked again, and a move already made is
 * refused by the state machine, so a second submission never acts twice. */
(function () {
  "use strict";

  function boxes(form, name) {
    return Array.from(form.querySelectorAll('input[type="checkbox"]')).filter(
      (box) => box.name === name,
    );
  }

  document.querySelectorAll("input[data-check-all]").forEach((all) => {
    const form = all.form;
    if (!form) return;
    const name = all.dataset.checkAll;
    const sync = () => {
      const rows = boxes(form, name);
      const ticked = rows.filter((box) => box.checked).length;
      all.checked = rows.length > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    };
    all.addEventListener("change", () => {
      boxes(form, name).forEach((box) => {
        box.checked = all.checked;
      });
    });
    form.addEventListener("change", (event) => {
      if (event.target !== all && event.target.name === name) sync();
    });
    sync();
  });

  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      // after the browser has read the pressed button's value into what it sends
      setTimeout(() => {
        form.querySelectorAll('button[type="submit"]').forEach((button) => {
          button.classList.add("disabled");
          button.setAttribute("aria-disabled", "true");
        });
      }, 0);
    });
  });

  // A page shown again from the back-forward cache may be sent again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-once]").forEach((form) => {
      delete form.dataset.sending;
      form.querySelectorAll('button[type="submit"]').forEach((button) => {
        button.classList.remove("disabled");
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
