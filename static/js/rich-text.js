// What the product's Quill editors share (the article editor, static/articles/editor.js, and
// the email editor, static/outbound/editor.js): the button format, picture uploads to Parley,
// the button prompt, and the HTML handed back to the form. The server sanitizes whatever
// arrives, so nothing here is a safety measure.
window.ParleyRichText = (function () {
  "use strict";

  var buttonRegistered = false;

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A link drawn as a button: <a class="article-button" href="…"> (help-center pages and
  // email layouts style it).
  function registerButton(Quill) {
    if (buttonRegistered) return;
    buttonRegistered = true;
    var Link = Quill.import("formats/link");
    class ArticleButton extends Link {}
    ArticleButton.blotName = "article-button";
    ArticleButton.tagName = "A";
    ArticleButton.className = "article-button";
    Quill.register(ArticleButton, true);
  }

  // upload(file, at) sends a picture to labels.uploadUrl and inserts what comes back at
  // `at` (the end when null); busy() says whether one is still on its way.
  function pictureUploader(getQuill, labels, say) {
    var pending = 0;
    function upload(file, at) {
      if (!file) return;
      var maxBytes = parseInt(labels.maxBytes, 10) || 0;
      if (maxBytes && file.size > maxBytes) { say(labels.msgTooLarge, true); return; }
      pending += 1;
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
        pending -= 1;
        if (!result.ok || !result.body.url) { say(result.body.error || labels.msgUploadFailed, true); return; }
        say("");
        var quill = getQuill();
        var index = at == null ? Math.max(quill.getLength() - 1, 0) : at;
        quill.insertEmbed(index, "image", result.body.url, "user");
        quill.setSelection(index + 1, 0, "silent");
      }).catch(function () {
        pending -= 1;
        say(labels.msgUploadFailed, true);
      });
    }
    return { upload: upload, busy: function () { return pending > 0; } };
  }

  // The toolbar's button: inside a button, turns it back into text; else asks for the address
  // (and the text, when nothing is selected).
  function buttonHandler(getQuill, labels, addressPattern) {
    return function () {
      var quill = getQuill();
      var range = quill.getSelection(true);
      var found = quill.scroll.descendant(function (blot) {
        return blot != null && blot.statics && blot.statics.blotName === "article-button";
      }, range.index);
      if (found[0] && range.length === 0) {
        quill.formatText(range.index - found[1], found[0].length(), "article-button", false, "user");
        return;
      }
      var address = (window.prompt(labels.msgButtonUrl, "https://") || "").trim();
      if (!address) return;
      if (!addressPattern.test(address)) { window.alert(labels.msgButtonInvalid); return; }
      if (range.length === 0) {
        var text = (window.prompt(labels.msgButtonText, "") || "").trim();
        if (!text) return;
        quill.insertText(range.index, text, { "article-button": address }, "user");
        quill.setSelection(range.index + text.length, 0, "user");
      } else {
        quill.formatText(range.index, range.length, "article-button", address, "user");
      }
    };
  }

  // The editor as a labelled text box, holding what the textarea held.
  function load(quill, textarea, labelledBy) {
    quill.root.setAttribute("aria-labelledby", labelledBy);
    quill.root.setAttribute("aria-multiline", "true");
    quill.root.setAttribute("role", "textbox");
    if (textarea.value.trim()) {
      quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
      quill.history.clear();
    }
  }

  // What goes back into the textarea. Quill 2 writes every space as &nbsp;, which would stop
  // text from wrapping, and keeps an empty line after a picture or video that is not content.
  function html(quill, embeds) {
    var empty = quill.getText().trim() === "" && !quill.root.querySelector(embeds || "img");
    return empty ? "" : quill.getSemanticHTML().replace(/&nbsp;/g, " ").replace(/(<p>(<br>)?<\/p>)+$/, "");
  }

  return {
    csrfToken: csrfToken, registerButton: registerButton, pictureUploader: pictureUploader,
    buttonHandler: buttonHandler, load: load, html: html,
  };
})();
