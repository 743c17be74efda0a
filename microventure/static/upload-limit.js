/* Every file input of every page: a file over the upload limit is refused in the page, before the
 * form sends it (the server would have to receive all of it only to answer "file too large").
 * The limit and the message, in the page's language, come from base.html:
 *   <body data-upload-max-bytes="10485760" data-file-too-large="%(name)s is larger than …">
 * Inputs with a guard of their own (data-max-bytes on the input or on its form: the application
 * and activity forms) are left to it. The server checks every file again. */
(function () {
  "use strict";

  const limit = Number(document.body.dataset.uploadMaxBytes || 0);
  const template = document.body.dataset.fileTooLarge || "";
  if (!limit) return;

  function ours(input) {
    return !(input.dataset.maxBytes || (input.form && input.form.dataset.maxBytes));
  }

  function messageFor(input) {
    let node = input.parentNode.querySelector("[data-upload-message]");
    if (!node) {
      node = document.createElement("div");
      node.className = "invalid-feedback";
      node.setAttribute("data-upload-message", "");
      input.insertAdjacentElement("afterend", node);
    }
    return node;
  }

  // True when every chosen file fits; otherwise the input says which one does not.
  function fits(input) {
    const file = Array.from(input.files || []).find(function (f) { return f.size > limit; });
    const node = file || input.parentNode.querySelector("[data-upload-message]") ? messageFor(input) : null;
    input.classList.toggle("is-invalid", Boolean(file));
    if (node) {
      node.textContent = file ? template.replace("%(name)s", file.name) : "";
      node.classList.toggle("d-block", Boolean(file));
    }
    return !file;
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    if (input.matches && input.matches("input[type=file]") && ours(input)) fits(input);
  });

  document.addEventListener("submit", function (event) {
    const inputs = Array.from(event.target.querySelectorAll("input[type=file]")).filter(ours);
    const refused = inputs.filter(function (input) { return !fits(input); });
    if (refused.length) {
      event.preventDefault();
      refused[0].focus();
    }
  });
})();
