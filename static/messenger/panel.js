// The messenger panel inside its iframe. It holds the session token the loader posts in
// (memory only), adds it to every htmx request, and talks back to the host page's loader.
(function () {
  "use strict";
  var token = null;
  var pendingText = null;
  // The live stream (Server-Sent Events over fetch, so the token can go in a header).
  var stream = { connected: false, lastId: "", backoff: 1000, controller: null, timer: null };

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
    var source = event.detail.elt;
    if (!source || (source.id !== "panel-poller" && source.id !== "panel-ticket-poller")) return;
    var timed = !event.detail.requestConfig || !event.detail.requestConfig.triggeringEvent;
    // Timed polling waits while the tab is hidden, and is not needed while the stream is
    // connected: the stream's nudges trigger the same request.
    if (timed && (document.visibilityState !== "visible" || stream.connected)) event.preventDefault();
  });

  var typingTimer = null;
  function showTyping(name) {
    var line = document.getElementById("panel-typing");
    if (!line) return;
    line.textContent = (line.dataset.label || "{name}…").replace("{name}", name || "");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { line.textContent = ""; }, 4000);
  }

  function onStreamEvent(type, data) {
    if (type === "typing") {
      var open = document.getElementById("panel-poller");
      if (open && String(open.dataset.conversation) === String(data.conversation)) showTyping(data.name);
      return;
    }
    if (type === "ticket") {
      // A ticket of this customer changed: the open ticket or the list fetches itself again.
      var tickets = document.getElementById("panel-ticket-poller");
      if (tickets && (tickets.dataset.ticketPoll === "list" || data.ticket === null || String(tickets.dataset.ticketPoll) === String(data.ticket))) {
        window.htmx.trigger(tickets, "parley:poll");
      } else {
        fetch("/messenger/panel/tickets/unread", { headers: { "X-Parley-Session": token }, credentials: "omit" })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (body) {
            var dot = document.querySelector("[data-tickets-dot]");
            if (body && dot) dot.hidden = !body.unread;
          })
          .catch(function () {});
      }
      return;
    }
    if (type !== "part") return;
    var poller = document.getElementById("panel-poller");
    if (poller && String(poller.dataset.conversation) === String(data.conversation)) {
      window.htmx.trigger(poller, "parley:poll");
    } else {
      // Not on screen: refresh the unread count for the launcher's badge.
      fetch("/messenger/api/unread", { headers: { "X-Parley-Session": token }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) { if (body) toParent({ type: "parley:unread", count: body.unread_count }); })
        .catch(function () {});
    }
  }

  function connectStream() {
    var base = document.body.dataset.streamsUrl;
    if (!base || !token || !window.fetch || !window.ReadableStream) return;
    if (stream.controller) stream.controller.abort();
    var controller = new AbortController();
    stream.controller = controller;
    var sessionAtStart = token;
    var headers = { "X-Parley-Session": token };
    if (stream.lastId) headers["Last-Event-ID"] = stream.lastId; // resume where the last stream ended
    fetch(base + "/streams/messenger", {
      headers: headers,
      credentials: "omit", mode: "cors", cache: "no-store", signal: controller.signal
    }).then(function (response) {
      if (!response.ok || !response.body) throw new Error("stream refused: " + response.status);
      stream.connected = true;
      document.body.dataset.stream = "connected";
      stream.backoff = 1000;
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var frames = buffer.split("\n\n");
          buffer = frames.pop();
          frames.forEach(function (frame) {
            var type = "message", data = "", id = null;
            frame.split("\n").forEach(function (line) {
              if (line.indexOf("id: ") === 0) id = line.slice(4);
              else if (line.indexOf("event: ") === 0) type = line.slice(7);
              else if (line.indexOf("data: ") === 0) data += line.slice(6);
            });
            if (id !== null) stream.lastId = id;
            if (data) { try { onStreamEvent(type, JSON.parse(data)); } catch (e) { /* ignore a bad frame */ } }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () { /* reconnect below */ }).then(function () {
      stream.connected = false;
      document.body.dataset.stream = "disconnected";
      if (controller.signal.aborted || token !== sessionAtStart || !token) return;
      // Catch up through the normal endpoints, then reconnect with backoff.
      var poller = document.getElementById("panel-poller") || document.getElementById("panel-ticket-poller");
      if (poller) window.htmx.trigger(poller, "parley:poll");
      clearTimeout(stream.timer);
      stream.timer = setTimeout(connectStream, stream.backoff);
      stream.backoff = Math.min(stream.backoff * 2, 30000);
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr) return;
    if (xhr.status === 401) {
      token = null;
      if (stream.controller) stream.controller.abort();
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
    } else {
      // The help tab's search box takes the keyboard, with the caret after what was typed.
      var search = document.querySelector("[data-help-search]");
      if (search && document.activeElement !== search) {
        search.focus();
        try { search.setSelectionRange(search.value.length, search.value.length); } catch (e) { /* not a text box */ }
      }
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent) return;
    var data = event.data || {};
    if (data.type === "parley:session" && typeof data.session === "string" && data.session) {
      var changed = data.session !== token;
      token = data.session;
      if (changed) {
        load(pendingText !== null ? "/messenger/panel/conversations/new" : "/messenger/panel/home");
        stream.lastId = "";
        connectStream();
      }
    } else if (data.type === "parley:new-message") {
      pendingText = typeof data.text === "string" ? data.text : "";
      if (token) load("/messenger/panel/conversations/new");
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-panel-close]")) toParent({ type: "parley:close" });
    // A suggested article opened while writing a first message: the draft waits for the
    // customer's return to the composer.
    if (target.closest("[data-keep-draft]")) {
      var draft = document.querySelector("[data-composer]");
      if (draft && draft.value) pendingText = draft.value;
    }
    // Links inside an article open in a new tab, never inside the messenger's frame.
    var link = target.closest("[data-article-body] a[href]");
    if (link) {
      event.preventDefault();
      window.open(link.href, "_blank", "noopener");
    }
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

  // Tell the team the customer is typing, at most every 3 seconds (and again at once after
  // a message went out).
  var lastTyping = 0;
  document.addEventListener("submit", function () { lastTyping = 0; }, true);
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!token || !box || !box.matches || !box.matches("[data-composer]")) return;
    var url = box.form && box.form.dataset.typingUrl;
    if (!url || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    fetch(url, { method: "POST", headers: { "X-Parley-Session": token }, credentials: "omit" }).catch(function () {});
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
