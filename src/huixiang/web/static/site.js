// A little help for the pages; every page works without it.
(function () {
  "use strict";
  function each(selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); }

  // Live character count for the content.
  var content = document.getElementById("content");
  var count = document.getElementById("content-count");
  if (content && count) {
    var template = count.getAttribute("data-template");
    var update = function () { count.textContent = template.replace("{n}", content.value.length); };
    content.addEventListener("input", update);
  }

  // Previews of the chosen photos, before sending.
  var files = document.getElementById("files");
  var previews = document.getElementById("previews");
  if (files && previews && window.URL) {
    files.addEventListener("change", function () {
      // More files than the server accepts: say so now, not after the upload.
      var max = parseInt(files.getAttribute("data-max"), 10);
      files.setCustomValidity(files.files.length > max ? files.getAttribute("data-too-many") : "");
      files.reportValidity();
      previews.textContent = "";
      Array.prototype.forEach.call(files.files, function (file) {
        var figure = document.createElement("figure");
        if (file.type.indexOf("image/") === 0) {
          var img = document.createElement("img");
          img.src = URL.createObjectURL(file);
          img.alt = file.name;
          figure.appendChild(img);
        }
        var caption = document.createElement("figcaption");
        caption.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
        figure.appendChild(caption);
        previews.appendChild(figure);
      });
    });
  }

  // One submission per page: a double tap sends once (the server also holds it to one ticket).
  each("form[data-once]", function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.textContent = button.getAttribute("data-busy") || button.textContent; button.disabled = true; }
    });
  });

  // Copy buttons and print buttons appear only when they can work.
  each("[data-copy]", function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent.trim();
      navigator.clipboard.writeText(text).then(function () { button.textContent = button.getAttribute("data-done"); });
    });
  });
  each("[data-print]", function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
