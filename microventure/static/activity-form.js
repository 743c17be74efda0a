/* The activity record form (活动记录): counts the photos the record will hold — those kept, minus
 * those ticked for removal, plus those chosen from the album or taken with the camera — against
 * the limit, and names a file over the upload limit before the whole form is sent. The server
 * checks all of it again; this only saves a phone user a slow round trip. Markup:
 *   <form data-activity-form data-max-photos="9" data-kept-photos="3" data-max-bytes="10485760">
 *   <input type="file" name="photos" multiple> <input type="file" name="photos" data-camera>
 *   <input type="checkbox" data-remove-photo>
 *   <output data-photo-count data-counted="%(n)s of %(limit)s photos" data-over="…%(extra)s…"
 *           data-too-large="…%(names)s…">   (the page's language, from the template) */
(function () {
  "use strict";

  const form = document.querySelector("form[data-activity-form]");
  if (!form) return;
  const output = form.querySelector("[data-photo-count]");
  const limit = parseInt(form.dataset.maxPhotos || "9", 10);
  const kept = parseInt(form.dataset.keptPhotos || "0", 10);
  const maxBytes = parseInt(form.dataset.maxBytes || "0", 10);

  function message(name, values) {
    let text = (output && output.dataset[name]) || "";
    Object.keys(values).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(values[key]));
    });
    return text;
  }

  function chosenFiles() {
    const files = [];
    form.querySelectorAll("input[type=file][name=photos]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    return files;
  }

  function update() {
    if (!output) return;
    const removed = form.querySelectorAll("[data-remove-photo]:checked").length;
    const files = chosenFiles();
    const total = kept - removed + files.length;
    const tooBig = files.filter(function (f) { return maxBytes && f.size > maxBytes; });
    const parts = [message("counted", { n: total, limit: limit })];
    if (total > limit) parts.push(message("over", { extra: total - limit }));
    if (tooBig.length) {
      parts.push(message("tooLarge", { names: tooBig.map(function (f) { return f.name; }).join(", ") }));
    }
    output.textContent = parts.join(" ");
    output.classList.toggle("text-danger", total > limit || tooBig.length > 0);
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][name=photos], [data-remove-photo]")) update();
  });
  update();
})();
