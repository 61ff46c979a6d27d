// The article editor: Quill 2 over the form's body textarea. Without JavaScript the textarea
// is the editor (plain HTML); with it, Quill edits and the semantic HTML goes back into the
// textarea when the form is sent. The server sanitizes whatever arrives (articles/html.py),
// so nothing here is a safety measure, only convenience.
(function () {
  "use strict";

  var TONES = ["info", "warning", "success"];
  var registered = false;

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function escapeAttribute(value) {
    return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // The same rules as articles/html.py's video_embed_url: YouTube (no-cookie) or Vimeo players.
  function videoEmbedUrl(raw) {
    var url;
    try { url = new URL(String(raw || "").trim()); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    var host = url.hostname.toLowerCase().replace(/^www\./, "").replace(/^m\./, "");
    var path = url.pathname.replace(/\/+$/, "");
    var id = "";
    if (host === "youtu.be") id = path.replace(/^\//, "");
    else if (host === "youtube.com" || host === "youtube-nocookie.com") {
      if (path === "/watch") id = url.searchParams.get("v") || "";
      else if (/^\/(embed|shorts|live)\//.test(path)) id = path.split("/")[2] || "";
    }
    if (id) return /^[A-Za-z0-9_-]{11}$/.test(id) ? "https://www.youtube-nocookie.com/embed/" + id : null;
    if (host === "vimeo.com") id = path.replace(/^\//, "");
    else if (host === "player.vimeo.com" && path.indexOf("/video/") === 0) id = path.split("/")[2] || "";
    return id && /^[0-9]{1,12}$/.test(id) ? "https://player.vimeo.com/video/" + id : null;
  }

  function register(Quill, videoTitle) {
    if (registered) return;
    registered = true;
    var Block = Quill.import("blots/block");
    var Link = Quill.import("formats/link");
    var BaseVideo = Quill.import("formats/video");

    // A link drawn as a button: <a class="article-button" href="…">.
    class ArticleButton extends Link {}
    ArticleButton.blotName = "article-button";
    ArticleButton.tagName = "A";
    ArticleButton.className = "article-button";

    // A highlighted note: <div class="callout callout--info">, one per line of text.
    class Callout extends Block {
      static create(value) {
        var node = super.create(value);
        node.classList.add("callout--" + (TONES.indexOf(value) >= 0 ? value : "info"));
        return node;
      }
      static formats(node) {
        for (var i = 0; i < TONES.length; i += 1) {
          if (node.classList.contains("callout--" + TONES[i])) return TONES[i];
        }
        return "info";
      }
    }
    Callout.blotName = "callout";
    Callout.tagName = "DIV";
    Callout.className = "callout";

    // Quill 2 writes a video as a plain link in its semantic HTML; the help center wants the
    // player. Without a class of its own, this blot also reads back the <iframe> the server
    // stored (the sanitizer drops Quill's "ql-video" class).
    class ArticleVideo extends BaseVideo {
      html() {
        return '<iframe src="' + escapeAttribute(this.value().video) + '" allowfullscreen="true" title="' +
          escapeAttribute(videoTitle) + '"></iframe>';
      }
    }
    ArticleVideo.className = null;

    Quill.register(ArticleButton, true);
    Quill.register(Callout, true);
    Quill.register(ArticleVideo, true);
  }

  function setup(attempt) {
    var root = document.getElementById("article-quill");
    if (!root || root.dataset.ready) return;
    if (!window.Quill) {
      // Scripts swapped in by htmx load in no particular order: wait for Quill.
      if ((attempt || 0) < 200) setTimeout(function () { setup((attempt || 0) + 1); }, 25);
      return;
    }
    root.dataset.ready = "1";
    var Quill = window.Quill;
    var labels = root.dataset;
    register(Quill, labels.videoTitle || "Video");

    var form = root.closest("form");
    var textarea = form.querySelector("[data-body-input]");
    var toolbar = document.getElementById("article-toolbar");
    var input = form.querySelector("[data-image-input]");
    var status = form.querySelector("[data-editor-status]");
    var uploading = 0;
    var savedRange = null;
    var dirty = false;

    function say(message, isError) {
      if (!status) return;
      status.textContent = message || "";
      status.classList.toggle("is-error", !!isError);
    }

    toolbar.hidden = false;
    root.hidden = false;
    textarea.hidden = true;
    form.querySelectorAll("[data-no-js-help]").forEach(function (help) { help.hidden = true; });

    var quill;

    function insertImage(url, at) {
      var index = at == null ? Math.max(quill.getLength() - 1, 0) : at;
      quill.insertEmbed(index, "image", url, "user");
      quill.setSelection(index + 1, 0, "silent");
    }

    function upload(file, at) {
      if (!file) return;
      var maxBytes = parseInt(labels.maxBytes, 10) || 0;
      if (maxBytes && file.size > maxBytes) {
        say(labels.msgTooLarge, true);
        return;
      }
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
        if (!result.ok || !result.body.url) {
          say(result.body.error || labels.msgUploadFailed, true);
          return;
        }
        say("");
        insertImage(result.body.url, at);
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
            video: function () {
              var range = quill.getSelection(true);
              var address = window.prompt(labels.msgVideoPrompt, "");
              if (!address) return;
              var embed = videoEmbedUrl(address);
              if (!embed) {
                window.alert(labels.msgVideoInvalid);
                return;
              }
              quill.insertEmbed(range.index, "video", embed, "user");
              quill.setSelection(range.index + 1, 0, "silent");
            },
            "article-button": function () {
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
              if (!/^(https?:\/\/|mailto:)/i.test(address)) {
                window.alert(labels.msgButtonInvalid);
                return;
              }
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
        // Pictures dropped or pasted into the text are uploaded like the toolbar's.
        uploader: {
          handler: function (range, files) {
            Array.prototype.forEach.call(files, function (file) { upload(file, range ? range.index : null); });
          },
        },
      },
    });
    quill.root.setAttribute("aria-labelledby", "article-body-label");
    quill.root.setAttribute("aria-multiline", "true");
    quill.root.setAttribute("role", "textbox");
    if (textarea.value.trim()) {
      quill.setContents(quill.clipboard.convert({ html: textarea.value }), "silent");
      quill.history.clear();
    }

    input.addEventListener("change", function () {
      var at = savedRange ? savedRange.index : null;
      upload(input.files && input.files[0], at);
    });

    quill.on("text-change", function (delta, old, source) { if (source === "user") dirty = true; });
    form.addEventListener("input", function (event) { if (event.target !== textarea) dirty = true; });
    function unsaved() {
      return dirty && document.body.contains(root);  // the main navigation may have swapped it out
    }
    window.addEventListener("beforeunload", function (event) {
      if (unsaved()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    // The main navigation swaps pages in with htmx, which no beforeunload sees.
    document.addEventListener("htmx:beforeRequest", function (event) {
      if (!unsaved() || !event.detail.boosted) return;
      if (window.confirm(labels.msgLeave)) dirty = false;
      else event.preventDefault();
    });

    form.addEventListener("submit", function (event) {
      if (uploading > 0) {
        event.preventDefault();
        say(labels.msgUploading);
        return;
      }
      var empty = quill.getText().trim() === "" && !quill.root.querySelector("img, iframe");
      // Quill 2 writes every space as &nbsp;, which would stop text from wrapping; and the
      // empty line it keeps after a picture or a video is not part of the article.
      textarea.value = empty ? "" : quill.getSemanticHTML().replace(/&nbsp;/g, " ").replace(/(<p>(<br>)?<\/p>)+$/, "");
      dirty = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(0); });
  document.addEventListener("htmx:afterSettle", function () { setup(0); });
  if (document.readyState !== "loading") setup(0);
})();
