// The email editor: Quill 2 over the form's body textarea (without JavaScript the textarea is
// the editor, plain HTML), a placeholder menu that inserts into the subject or the body,
// whichever was used last, and the preview's contact copied into the "send a test" form.
// The server sanitizes and checks whatever arrives, so nothing here is a safety measure.
(function () {
  "use strict";

  function setup(attempt) {
    var root = document.getElementById("message-quill");
    if (!root || root.dataset.ready) return;
    if (!window.Quill || !window.ParleyRichText) {
      // Scripts swapped in by htmx load in no particular order: wait for Quill.
      if ((attempt || 0) < 200) setTimeout(function () { setup((attempt || 0) + 1); }, 25);
      return;
    }
    root.dataset.ready = "1";
    var Quill = window.Quill;
    var labels = root.dataset;
    window.ParleyRichText.registerButton(Quill);

    var form = root.closest("form");
    var textarea = form.querySelector("[data-body-input]");
    var subject = form.querySelector("[data-subject-input]");
    var toolbar = document.getElementById("message-toolbar");
    var input = form.querySelector("[data-image-input]");
    var status = form.querySelector("[data-editor-status]");
    var menu = form.querySelector("[data-placeholder-menu]");
    var savedRange = null;
    var lastTarget = "body";

    function say(message, isError) {
      if (!status) return;
      status.textContent = message || "";
      status.classList.toggle("is-error", !!isError);
    }

    toolbar.hidden = false;
    root.hidden = false;
    textarea.hidden = true;
    if (menu) menu.hidden = false;
    form.querySelectorAll("[data-no-js-help]").forEach(function (help) { help.hidden = true; });

    var quill;

    var pictures = window.ParleyRichText.pictureUploader(function () { return quill; }, labels, say);
    var upload = pictures.upload;

    quill = new Quill(root, {
      theme: "snow",
      placeholder: labels.placeholder || "",
      modules: {
        toolbar: {
          container: toolbar,
          handlers: {
            image: function () {
              savedRange = quill.getSelection(true);
              input.value = "";
              input.click();
            },
            "article-button": window.ParleyRichText.buttonHandler(function () { return quill; }, labels, /^https?:\/\//i),
          },
        },
        uploader: {
          handler: function (range, files) {
            Array.prototype.forEach.call(files, function (file) { upload(file, range ? range.index : null); });
          },
        },
      },
    });
    window.ParleyRichText.load(quill, textarea, "message-body-label");
    input.addEventListener("change", function () {
      upload(input.files && input.files[0], savedRange ? savedRange.index : null);
    });

    // Where the cursor was in the body when the menu took the focus (typing moves it without
    // a selection-change).
    quill.on("editor-change", function () {
      var range = quill.getSelection();
      if (range) { savedRange = range; lastTarget = "body"; }
    });
    if (subject) subject.addEventListener("focus", function () { lastTarget = "subject"; });

    if (menu) {
      menu.addEventListener("change", function () {
        var text = menu.value;
        menu.value = "";
        if (!text) return;
        if (lastTarget === "subject" && subject) {
          var start = subject.selectionStart == null ? subject.value.length : subject.selectionStart;
          var end = subject.selectionEnd == null ? start : subject.selectionEnd;
          subject.value = subject.value.slice(0, start) + text + subject.value.slice(end);
          subject.focus();
          subject.setSelectionRange(start + text.length, start + text.length);
          return;
        }
        var at = savedRange ? savedRange.index : Math.max(quill.getLength() - 1, 0);
        quill.insertText(at, text, "user");
        quill.setSelection(at + text.length, 0, "user");
      });
    }

    form.addEventListener("submit", function (event) {
      if (pictures.busy()) { event.preventDefault(); say(labels.msgUploading); return; }
      textarea.value = window.ParleyRichText.html(quill, "img");
    });
  }

  // "Send a test to myself" fills the email in as the person chosen for the preview.
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-preview-contact]")) return;
    document.querySelectorAll("[data-test-contact]").forEach(function (field) { field.value = event.target.value; });
  });
  document.addEventListener("submit", function (event) {
    if (!event.target.matches || !event.target.matches("[data-copy-contact]")) return;
    var chosen = document.querySelector("[data-preview-contact]");
    var field = event.target.querySelector("[data-test-contact]");
    if (chosen && field) field.value = chosen.value;
  }, true);

  document.addEventListener("DOMContentLoaded", function () { setup(0); });
  document.addEventListener("htmx:afterSettle", function () { setup(0); });
  if (document.readyState !== "loading") setup(0);
})();
