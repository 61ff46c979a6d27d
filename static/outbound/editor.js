// The email editor: Quill 2 over the form's body textarea (without JavaScript the textarea is
// the editor, plain HTML), a placeholder menu that inserts into the subject or the body,
// whichever was used last, and the preview's contact copied into the "send a test" form.
// The server sanitizes and checks whatever arrives, so nothing here is a safety measure.
(function () {
  "use strict";

  var registered = false;

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function register(Quill) {
    if (registered) return;
    registered = true;
    var Link = Quill.import("formats/link");
    // A link drawn as a button: <a class="article-button" href="…"> (the layouts style it).
    class ArticleButton extends Link {}
    ArticleButton.blotName = "article-button";
    ArticleButton.tagName = "A";
    ArticleButton.className = "article-button";
    Quill.register(ArticleButton, true);
  }

  function setup(attempt) {
    var root = document.getElementById("message-quill");
    if (!root || root.dataset.ready) return;
    if (!window.Quill) {
      // Scripts swapped in by htmx load in no particular order: wait for Quill.
      if ((attempt || 0) < 200) setTimeout(function () { setup((attempt || 0) + 1); }, 25);
      return;
    }
    root.dataset.ready = "1";
    var Quill = window.Quill;
    var labels = root.dataset;
    register(Quill);

    var form = root.closest("form");
    var textarea = form.querySelector("[data-body-input]");
    var subject = form.querySelector("[data-subject-input]");
    var toolbar = document.getElementById("message-toolbar");
    var input = form.querySelector("[data-image-input]");
    var status = form.querySelector("[data-editor-status]");
    var menu = form.querySelector("[data-placeholder-menu]");
    var uploading = 0;
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

    function upload(file, at) {
      if (!file) return;
      var maxBytes = parseInt(labels.maxBytes, 10) || 0;
      if (maxBytes && file.size > maxBytes) { say(labels.msgTooLarge, true); return; }
      uploading += 1;
      say(labels.msgUploading);
      var data = new FormData();
      data.append("image", file);
      fetch(labels.uploadUrl, {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          return { ok: response.ok, body: body };
        });
      }).then(function (result) {
        uploading -= 1;
        if (!result.ok || !result.body.url) { say(result.body.error || labels.msgUploadFailed, true); return; }
        say("");
        var index = at == null ? Math.max(quill.getLength() - 1, 0) : at;
        quill.insertEmbed(index, "image", result.body.url, "user");
        quill.setSelection(index + 1, 0, "silent");
      }).catch(function () {
        uploading -= 1;
        say(labels.msgUploadFailed, true);
      });
    }

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
            "article-button": function () {
              var range = quill.getSelection(true);
              var address = (window.prompt(labels.msgButtonUrl, "https://") || "").trim();
              if (!address) return;
              if (!/^https?:\/\//i.test(address)) { window.alert(labels.msgButtonInvalid); return; }
              if (range.length === 0) {
                var text = (window.prompt(labels.msgButtonText, "") || "").trim();
                if (!text) return;
                quill.insertText(range.index, text, { "article-button": address }, "user");
                quill.setSelection(range.index + text.length, 0, "user");
              } else {
                quill.formatText(range.index, range.length, "article-button", address, "user");
              }
            },
          },
        },
        uploader: {
          handler: function (range, files) {
            Array.prototype.forEach.call(files, function (file) { upload(file, range ? range.index : null); });
          },
        },
      },
    });
    quill.root.setAttribute("aria-labelledby", "message-body-label");
    quill.root.setAttribute("aria-multiline", "true");
    quill.root.setAttribute("role", "textbox");
    if (textarea.value.trim()) {
      quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
      quill.history.clear();
    }
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
      if (uploading > 0) { event.preventDefault(); say(labels.msgUploading); return; }
      var empty = quill.getText().trim() === "" && !quill.root.querySelector("img");
      textarea.value = empty ? "" : quill.getSemanticHTML().replace(/&nbsp;/g, " ").replace(/(<p>(<br>)?<\/p>)+$/, "");
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
