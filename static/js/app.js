// Parley agent app shell: navigation drawer, keyboard shortcuts, confirmations.
// Plain script, no build step; everything else is server-rendered and swapped by htmx.
(function () {
  "use strict";

  function setNavOpen(open) {
    document.body.classList.toggle("nav-open", open);
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var emoji = target.closest("[data-emoji]");
    if (emoji) {
      var box = document.getElementById("composer-body");
      if (box) {
        var start = box.selectionStart == null ? box.value.length : box.selectionStart;
        var end = box.selectionEnd == null ? start : box.selectionEnd;
        box.value = box.value.slice(0, start) + emoji.dataset.emoji + box.value.slice(end);
        box.selectionStart = box.selectionEnd = start + emoji.dataset.emoji.length;
        box.focus();
      }
      var details = emoji.closest("details");
      if (details) details.removeAttribute("open");
    }
    if (target.closest("[data-nav-toggle]")) {
      setNavOpen(!document.body.classList.contains("nav-open"));
    } else if (target.closest("[data-nav-close]") || target.closest(".app-nav__link")) {
      setNavOpen(false);
    }
    if (target.closest("[data-open-shortcuts]")) {
      var dialog = document.getElementById("shortcut-help");
      if (dialog && dialog.showModal) dialog.showModal();
    }
    // Close other open dropdowns when one is used.
    document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
      if (!details.contains(target)) details.removeAttribute("open");
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // "g" then a letter jumps to an area; "?" shows the list. Ignored while typing.
  var pendingG = false;
  var pendingTimer = null;
  function isTyping(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // Ctrl/Cmd+Enter sends the composer it is typed in.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box && box.matches && box.matches("[data-send-on-ctrl-enter]")) {
      event.preventDefault();
      if (box.form && box.form.requestSubmit) box.form.requestSubmit();
    }
  });

  // Tell the customer a teammate is typing a reply (never a note), at most every 3 seconds.
  var lastTyping = 0;
  document.addEventListener("submit", function () { lastTyping = 0; }, true);
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || !box.matches || !box.matches("[data-send-on-ctrl-enter]")) return;
    var form = box.form;
    var note = form && form.querySelector('input[name="kind"][value="note"]');
    if (!form || !form.dataset.typingUrl || (note && note.checked) || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    fetch(form.dataset.typingUrl, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
      .catch(function () {});
  });

  // "Insert article": the agent picks a published article from the search box; the reply
  // then carries its number (hidden input) and the composer shows its title.
  function articleChip(number, title) {
    var input = document.getElementById("composer-article");
    var chip = document.getElementById("composer-article-chip");
    if (!input || !chip) return;
    input.value = number || "";
    var label = chip.querySelector("[data-article-chip-title]");
    if (label) label.textContent = title || "";
    chip.hidden = !number;
  }
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var pick = target.closest("[data-article-pick]");
    if (pick) {
      articleChip(pick.dataset.number, pick.dataset.title);
      var picker = pick.closest("[data-article-picker]");
      if (picker) picker.removeAttribute("open");
      var box = document.getElementById("composer-body");
      if (box) box.focus();
    } else if (target.closest("[data-article-clear]")) {
      articleChip("", "");
    }
  });
  document.addEventListener("toggle", function (event) {
    var picker = event.target;
    if (picker instanceof Element && picker.matches("[data-article-picker]") && picker.open) {
      var search = picker.querySelector("[data-article-search]");
      if (search) search.focus();
    }
  }, true);
  document.addEventListener("keydown", function (event) {
    var search = event.target;
    if (event.key === "Enter" && search && search.matches && search.matches("[data-article-search]")) {
      // Enter picks the first result rather than sending the reply.
      event.preventDefault();
      var first = document.querySelector("#article-results [data-article-pick]");
      if (first) first.click();
    }
  });

  // The composer's file input is visually hidden inside its button: show what was chosen.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("[data-attach]")) return;
    var label = input.form && input.form.querySelector("[data-attach-name]");
    if (label) label.textContent = input.files && input.files[0] ? input.files[0].name : "";
  });

  // Conversation shortcuts: r reply, n note, a assign to me, x close.
  var ACTIONS = { a: "assign-me", x: "close" };
  function composer(kind) {
    var box = document.querySelector("[data-send-on-ctrl-enter]");
    var radio = document.querySelector('.composer input[name="kind"][value="' + kind + '"]');
    if (radio) radio.checked = true;
    if (box) box.focus();
    return !!box;
  }

  document.addEventListener("keydown", function (event) {
    if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
    if (!pendingG) {
      if ((event.key === "r" || event.key === "n") && composer(event.key === "n" ? "note" : "reply")) {
        event.preventDefault();
        return;
      }
      var action = ACTIONS[event.key] && document.querySelector('[data-shortcut-action="' + ACTIONS[event.key] + '"]');
      if (action) {
        event.preventDefault();
        action.click();
        return;
      }
    }
    if (event.key === "Escape") {
      setNavOpen(false);
      return;
    }
    if (event.key === "?") {
      var dialog = document.getElementById("shortcut-help");
      if (dialog && dialog.showModal && !dialog.open) dialog.showModal();
      return;
    }
    if (pendingG) {
      pendingG = false;
      clearTimeout(pendingTimer);
      var link = document.querySelector('.app-nav__link[data-shortcut="' + event.key + '"]');
      if (link) {
        event.preventDefault();
        link.click();
      }
      return;
    }
    if (event.key === "g") {
      pendingG = true;
      pendingTimer = setTimeout(function () { pendingG = false; }, 1200);
    }
  });

  // Optional desktop notification and a short chime when a customer writes while this tab
  // is in the background. Chosen per browser (localStorage), off until asked for.
  var NOTIFY_KEY = "parley:notify";
  function notifyEnabled() {
    try { return localStorage.getItem(NOTIFY_KEY) === "1"; } catch (e) { return false; }
  }
  function refreshNotifyToggle() {
    var toggle = document.querySelector("[data-notify-toggle]");
    if (toggle) toggle.textContent = notifyEnabled() ? toggle.dataset.on : toggle.dataset.off;
  }
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.35);
    } catch (e) { /* sound is a nicety */ }
  }
  function notifyCustomerMessage(number) {
    if (!notifyEnabled() || document.visibilityState === "visible") return;
    var toggle = document.querySelector("[data-notify-toggle]");
    if (window.Notification && Notification.permission === "granted" && toggle) {
      new Notification(toggle.dataset.title, { body: toggle.dataset.body.replace("{number}", number), tag: "parley-" + number });
    }
    chime();
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target instanceof Element && event.target.closest("[data-notify-toggle]");
    if (!toggle) return;
    var next = !notifyEnabled();
    try { localStorage.setItem(NOTIFY_KEY, next ? "1" : "0"); } catch (e) { return; }
    if (next && window.Notification && Notification.permission === "default") Notification.requestPermission();
    refreshNotifyToggle();
  });
  document.addEventListener("DOMContentLoaded", refreshNotifyToggle);
  document.addEventListener("htmx:afterSettle", refreshNotifyToggle);

  // The inbox's live stream: a nudge makes the list, the counts and an open thread re-fetch
  // themselves through their normal views. EventSource reconnects by itself and sends
  // Last-Event-ID; while it is connected, the timed refreshes stand down.
  var inbox = { source: null, url: null };
  function inboxStream() {
    // The page's stream address; body[data-inbox-stream] is the stream's state, a different
    // attribute, so the state can never be mistaken for an address.
    var marker = document.querySelector("[data-inbox-stream-url]");
    var url = marker ? marker.dataset.inboxStreamUrl : null;
    if (url === inbox.url) return;
    if (inbox.source) inbox.source.close();
    inbox.source = null;
    inbox.url = url;
    document.body.dataset.inboxStream = "off";
    if (!url || !window.EventSource) return;
    var source = new EventSource(url, { withCredentials: true });
    inbox.source = source;
    source.onopen = function () { document.body.dataset.inboxStream = "connected"; };
    source.onerror = function () { document.body.dataset.inboxStream = "reconnecting"; };
    source.addEventListener("typing", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { return; }
      var poller = document.getElementById("thread-poller");
      var line = document.getElementById("thread-typing");
      if (!poller || !line || String(poller.dataset.conversation) !== String(data.conversation)) return;
      line.textContent = (line.dataset.label || "{name}…").replace("{name}", data.name || "");
      clearTimeout(inbox.typingTimer);
      inbox.typingTimer = setTimeout(function () { line.textContent = ""; }, 4000);
    });
    source.addEventListener("conversation", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.customer) notifyCustomerMessage(data.conversation);
      ["inbox-rows", "inbox-views-nav"].forEach(function (id) {
        var element = document.getElementById(id);
        if (element && window.htmx) window.htmx.trigger(element, "refresh");
      });
      var poller = document.getElementById("thread-poller");
      if (poller && String(poller.dataset.conversation) === String(data.conversation) && window.htmx) {
        window.htmx.trigger(poller, "refresh");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", inboxStream);
  document.addEventListener("htmx:afterSettle", function () {
    inboxStream();
    var nav = document.getElementById("inbox-views-nav");
    if (nav) {
      var attention = parseInt(nav.dataset.attention, 10) || 0;
      document.title = document.title.replace(/^\(\d+\) /, "");
      if (attention) document.title = "(" + attention + ") " + document.title;
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var timed = !event.detail.requestConfig || !event.detail.requestConfig.triggeringEvent;
    var id = event.detail.elt && event.detail.elt.id;
    if (timed && (id === "thread-poller" || id === "inbox-rows") && document.body.dataset.inboxStream === "connected") {
      event.preventDefault();
    }
  });

  // After an htmx page swap, move focus to the new content for screen readers and keyboards.
  document.addEventListener("htmx:afterSettle", function (event) {
    var main = document.getElementById("app-main");
    if (main && event.detail && event.detail.target === main) main.focus({ preventScroll: true });
  });
})();
