// The messenger panel inside its iframe. It holds the session token the loader posts in
// (memory only), adds it to every htmx request, and talks back to the host page's loader.
(function () {
  "use strict";
  var token = null;
  var pendingText = null;

  function toParent(message) {
    // Nothing secret goes this way (unread counts, close), so any parent origin may listen.
    if (window.parent !== window) window.parent.postMessage(message, "*");
  }

  function load(url) {
    if (window.htmx) window.htmx.ajax("GET", url, { target: "#panel" });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (token) event.detail.headers["X-Parley-Session"] = token;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    // Background polling waits while the tab is hidden.
    var source = event.detail.elt;
    if (source && source.id === "panel-poller" && document.visibilityState !== "visible") event.preventDefault();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr) return;
    if (xhr.status === 401) {
      token = null;
      toParent({ type: "parley:expired" }); // the loader boots again and sends a new session
      return;
    }
    var unread = xhr.getResponseHeader("X-Parley-Unread");
    if (unread !== null && unread !== "") toParent({ type: "parley:unread", count: parseInt(unread, 10) || 0 });
  });

  document.addEventListener("htmx:afterSettle", function () {
    var screen = document.querySelector(".panel-screen");
    if (screen && screen.dataset.color) document.body.style.setProperty("--panel-accent", screen.dataset.color);
    var parts = document.getElementById("panel-parts");
    if (parts) parts.scrollTop = parts.scrollHeight;
    var composer = document.querySelector("[data-composer]");
    if (composer) {
      if (pendingText !== null) {
        composer.value = pendingText;
        pendingText = null;
      }
      composer.focus();
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    var data = event.data || {};
    if (data.type === "parley:session" && typeof data.session === "string" && data.session) {
      var changed = data.session !== token;
      token = data.session;
      if (changed) load(pendingText !== null ? "/messenger/panel/conversations/new" : "/messenger/panel/home");
    } else if (data.type === "parley:new-message") {
      pendingText = typeof data.text === "string" ? data.text : "";
      if (token) load("/messenger/panel/conversations/new");
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-panel-close]")) toParent({ type: "parley:close" });
    var emoji = target.closest("[data-emoji]");
    if (emoji) {
      var box = document.querySelector("[data-composer]");
      if (box) {
        var start = box.selectionStart || box.value.length;
        box.value = box.value.slice(0, start) + emoji.dataset.emoji + box.value.slice(box.selectionEnd || start);
        box.focus();
      }
      var details = emoji.closest("details");
      if (details) details.removeAttribute("open");
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("[data-attach]")) {
      var label = document.querySelector("[data-attach-name]");
      if (label) label.textContent = input.files && input.files[0] ? input.files[0].name : "";
    }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches("[data-composer]") && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      // Enter sends; Shift+Enter starts a new line; IME composition (Japanese input) is left alone.
      event.preventDefault();
      if (box.form && box.form.requestSubmit) box.form.requestSubmit();
    }
    if (event.key === "Escape") toParent({ type: "parley:close" });
  });

  toParent({ type: "parley:ready" });
})();
