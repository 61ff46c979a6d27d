// The article editor: Quill 2 over the form's body textarea. Without JavaScript the textarea
// is the editor (plain HTML); with it, Quill edits and the semantic HTML goes back into the
// textarea when the form is sent. The server sanitizes whatever arrives (articles/html.py),
// so nothing here is a safety measure, only convenience.
(function () {
  "use strict";

  var TONES = ["info", "warning", "success"];
  var registered = false;

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
    var BaseVideo = Quill.import("formats/video");

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

    window.ParleyRichText.registerButton(Quill);
    Quill.register(Callout, true);
    Quill.register(ArticleVideo, true);
  }

  function setup(attempt) {
    var root = document.getElementById("article-quill");
    if (!root || root.dataset.ready) return;
    if (!window.Quill || !window.ParleyRichText) {
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
            "article-button": window.ParleyRichText.buttonHandler(function () { return quill; }, labels,
                                                                  /^(https?:\/\/|mailto:)/i),
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
    window.ParleyRichText.load(quill, textarea, "article-body-label");

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
      if (pictures.busy()) {
        event.preventDefault();
        say(labels.msgUploading);
        return;
      }
      textarea.value = window.ParleyRichText.html(quill, "img, iframe");
      dirty = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(0); });
  document.addEventListener("htmx:afterSettle", function () { setup(0); });
  if (document.readyState !== "loading") setup(0);
})();
