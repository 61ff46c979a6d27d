/* Parley messenger loader. Compatible with Intercom's JavaScript API: load it with
   Intercom's standard snippet (script address /widget/<app_id>) and window.intercomSettings.
   Plain script, no framework; the launcher lives in a shadow root and the panel in an
   iframe served by Parley, so host page CSS and scripts neither reach nor break it. */
(function () {
  "use strict";
  if (window.__parleyLoaded) return;
  window.__parleyLoaded = true;

  var script = document.currentScript || (function () {
    var all = document.getElementsByTagName("script");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/\/widget\/|\/messenger\/loader\.js/.test(all[i].src || "")) return all[i];
    }
    return null;
  })();
  if (!script || !script.src) return;
  var base = new URL(script.src).origin;

  var IDENTITY_KEYS = ["user_id", "email", "user_hash", "intercom_user_jwt"];
  var state = {
    appId: null, settings: {}, session: null, booting: null, messenger: null,
    unread: 0, open: false, host: null, root: null, launcher: null, badge: null, frame: null,
    frameBox: null, frameReady: false, pendingNewMessage: null, eventQueue: [], pollTimer: null,
    memoryVisitor: null
  };
  var callbacks = { show: [], hide: [], unread: [] };

  function warn(message) {
    if (window.console && console.warn) console.warn("[Parley] " + message);
  }
  function isPlainObject(value) {
    return value !== null && typeof value === "object" && Object.prototype.toString.call(value) === "[object Object]";
  }
  function fire(list, value) {
    list.slice().forEach(function (cb) { try { cb(value); } catch (e) { warn("a callback failed: " + e); } });
  }

  // --- the anonymous visitor id, in the host page's first-party storage ------------------
  function storageKey() { return "parley:" + state.appId + ":visitor"; }
  function newId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function visitorId() {
    try {
      var id = window.localStorage.getItem(storageKey());
      if (!/^[0-9a-f]{32}$/.test(id || "")) {
        id = newId();
        window.localStorage.setItem(storageKey(), id);
      }
      return id;
    } catch (e) {
      state.memoryVisitor = state.memoryVisitor || newId();
      return state.memoryVisitor;
    }
  }
  function forgetVisitor() {
    try { window.localStorage.removeItem(storageKey()); } catch (e) { /* private mode */ }
    state.memoryVisitor = null;
  }

  // --- talking to Parley -----------------------------------------------------------------
  function page() {
    return { url: location.href, title: document.title, referrer: document.referrer };
  }
  function request(method, path, body) {
    var headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.session) headers["X-Parley-Session"] = state.session;
    return fetch(base + path, {
      method: method, headers: headers, credentials: "omit", mode: "cors",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data, retryAfter: response.headers.get("Retry-After") };
      });
    });
  }
  function showWarnings(data) {
    (data && data.warnings || []).forEach(function (w) { warn(w); });
  }

  function boot(settings, retried) {
    if (settings === undefined) settings = window.intercomSettings;
    if (!isPlainObject(settings)) { warn("boot needs an object with an app_id"); return; }
    if (typeof settings.app_id !== "string" || !settings.app_id) { warn("app_id is missing"); return; }
    if (state.session || state.booting) teardown(false);
    state.appId = settings.app_id;
    state.settings = Object.assign({}, settings);
    var rest = Object.assign({}, settings);
    delete rest.app_id;
    var body = {
      app_id: state.appId, browser_id: visitorId(), settings: rest, page: page(),
      client: {
        language: navigator.language || "",
        timezone: (window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone) || "",
        screen: screen.width + "x" + screen.height
      }
    };
    var attempt = state.booting = request("POST", "/messenger/api/boot", body).then(function (result) {
      if (state.booting !== attempt) return;
      state.booting = null;
      if (result.status === 429 && !retried) {
        setTimeout(function () { boot(settings, true); }, (parseInt(result.retryAfter, 10) || 5) * 1000);
        return;
      }
      if (result.status !== 200) { warn((result.data && result.data.error) || "the messenger could not start"); return; }
      showWarnings(result.data);
      state.session = result.data.session;
      state.messenger = result.data.messenger || {};
      state.panelUrl = result.data.panel_url;
      draw();
      setUnread(result.data.unread_count || 0);
      flushEvents();
      startPolling();
      if (state.frame) sendSession();
      if (state.open) showPanel();
    }).catch(function (error) { state.booting = null; warn("the messenger could not reach Parley: " + error); });
  }

  function identityChanged(settings) {
    return IDENTITY_KEYS.some(function (key) {
      return settings[key] !== undefined && settings[key] !== "" && settings[key] !== state.settings[key];
    });
  }

  function update(settings) {
    if (settings !== undefined && !isPlainObject(settings)) { warn("update needs an object"); return; }
    settings = settings || {};
    if (!state.session && !state.booting) {
      var merged = Object.assign({}, window.intercomSettings || {}, settings);
      if (merged.app_id) boot(merged);
      return;
    }
    if (identityChanged(settings)) { boot(Object.assign({}, state.settings, settings)); return; }
    Object.assign(state.settings, settings);
    var changes = Object.assign({}, settings);
    delete changes.app_id;
    whenBooted(function () {
      request("POST", "/messenger/api/ping", { settings: changes, page: page() }).then(function (result) {
        if (result.status === 401) { boot(state.settings); return; }
        if (result.status === 200) { showWarnings(result.data); setUnread(result.data.unread_count || 0); }
      }).catch(function () { /* a lost page view is not worth a console error */ });
    });
  }

  function whenBooted(fn) {
    if (state.session && !state.booting) fn();
    else if (state.booting) state.booting.then(function () { if (state.session) fn(); });
  }

  function trackEvent(name, metadata) {
    if (typeof name !== "string" || !name) { warn("trackEvent needs an event name"); return; }
    if (metadata !== undefined && !isPlainObject(metadata)) { warn("trackEvent metadata must be an object"); metadata = {}; }
    state.eventQueue.push({ name: name, metadata: metadata || {} });
    whenBooted(flushEvents);
  }
  function flushEvents() {
    var queue = state.eventQueue.splice(0);
    queue.forEach(function (event) {
      request("POST", "/messenger/api/events", event).catch(function () {});
    });
  }

  function startPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = setInterval(function () {
      if (!state.session || state.open || document.visibilityState !== "visible") return;
      request("GET", "/messenger/api/unread").then(function (result) {
        if (result.status === 200) setUnread(result.data.unread_count || 0);
      }).catch(function () {});
    }, 15000);
  }

  // --- drawing ------------------------------------------------------------------------------
  var CHAT_ICON = '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  var CLOSE_ICON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" d="M6 6l12 12M18 6L6 18"/></svg>';

  function applyLook(host, m) {
    // Custom properties through the CSSOM: allowed under a strict CSP, unlike style="".
    var color = /^#[0-9a-fA-F]{6}$/.test(m.color || "") ? m.color : "#3b5bdb";
    host.style.setProperty("--parley-color", color);
    host.style.setProperty("--parley-h", (parseInt(m.horizontal_padding, 10) || 20) + "px");
    host.style.setProperty("--parley-v", (parseInt(m.vertical_padding, 10) || 20) + "px");
    if (m.alignment === "left") host.classList.add("align-left");
  }

  function draw() {
    if (state.host) return;
    var mount = function () {
      var host = document.createElement("div");
      host.id = "parley-messenger";
      var root = host.attachShadow({ mode: "open" });
      applyLook(host, state.messenger || {});
      var style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = base + "/static/messenger/launcher.css";
      var launcher = document.createElement("button");
      launcher.type = "button";
      launcher.className = "launcher";
      launcher.setAttribute("aria-label", (state.messenger && state.messenger.launcher_label) || "Open the messenger");
      launcher.setAttribute("aria-expanded", "false");
      launcher.innerHTML = CHAT_ICON;
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.hidden = true;
      launcher.appendChild(badge);
      launcher.addEventListener("click", function () { state.open ? hidePanel() : showPanel(); });
      root.addEventListener("keydown", function (event) { if (event.key === "Escape" && state.open) hidePanel(); });
      root.appendChild(style);
      root.appendChild(launcher);
      document.body.appendChild(host);
      state.host = host; state.root = root; state.launcher = launcher; state.badge = badge;
    };
    if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  }

  function ensureFrame() {
    if (state.frame || !state.root) return;
    var box = document.createElement("div");
    box.className = "box";
    box.hidden = true;
    var frame = document.createElement("iframe");
    frame.title = "Parley messenger";
    frame.setAttribute("allow", "clipboard-write");
    frame.src = base + (state.panelUrl || ("/messenger/panel/?app_id=" + encodeURIComponent(state.appId)));
    box.appendChild(frame);
    state.root.insertBefore(box, state.launcher);
    state.frame = frame; state.frameBox = box;
  }

  function sendSession() {
    // Only once the panel said it is ready: a message posted while the iframe still holds
    // about:blank is lost, and the new-message text with it.
    if (!state.frame || !state.frameReady || !state.frame.contentWindow || !state.session) return;
    var target = state.frame.contentWindow;
    // A new-message request goes first, so a freshly loaded panel opens straight on the
    // composer instead of racing its home screen.
    if (state.pendingNewMessage !== null) {
      target.postMessage({ type: "parley:new-message", text: state.pendingNewMessage }, base);
      state.pendingNewMessage = null;
    }
    target.postMessage({
      type: "parley:session", session: state.session, app_id: state.appId,
      language: state.messenger && state.messenger.language
    }, base);
  }

  function showPanel() {
    if (!state.session) { state.open = true; return; }
    ensureFrame();
    if (!state.frameBox) return;
    var wasOpen = state.open && !state.frameBox.hidden;
    state.open = true;
    state.frameBox.hidden = false;
    state.host.classList.add("open");
    state.launcher.innerHTML = CLOSE_ICON;
    state.launcher.appendChild(state.badge);
    state.launcher.setAttribute("aria-expanded", "true");
    if (!wasOpen) fire(callbacks.show);
  }

  function hidePanel() {
    if (!state.open) return;
    state.open = false;
    if (state.frameBox) state.frameBox.hidden = true;
    if (state.host) {
      state.host.classList.remove("open");
      state.launcher.innerHTML = CHAT_ICON;
      state.launcher.appendChild(state.badge);
      state.launcher.setAttribute("aria-expanded", "false");
      state.launcher.focus();
    }
    fire(callbacks.hide);
  }

  function setUnread(count) {
    count = Math.max(0, parseInt(count, 10) || 0);
    if (state.badge) {
      state.badge.hidden = count === 0;
      state.badge.textContent = count > 9 ? "9+" : String(count);
    }
    if (count !== state.unread) {
      state.unread = count;
      fire(callbacks.unread, count);
    }
  }

  function teardown(forget) {
    clearInterval(state.pollTimer);
    if (state.host && state.host.parentNode) state.host.parentNode.removeChild(state.host);
    if (forget) forgetVisitor();
    state.session = null; state.booting = null; state.host = null; state.root = null; state.launcher = null;
    state.badge = null; state.frame = null; state.frameBox = null; state.frameReady = false;
    state.open = false; state.unread = 0;
  }

  window.addEventListener("message", function (event) {
    if (!state.frame || event.origin !== base || event.source !== state.frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "parley:ready") {
      state.frameReady = true;
      sendSession();
    }
    else if (data.type === "parley:close") hidePanel();
    else if (data.type === "parley:expired" && !state.booting) boot(state.settings);
    else if (data.type === "parley:unread") setUnread(data.count);
  });

  // --- the Intercom() API ---------------------------------------------------------------------
  var QUIET = { reattach_activator: 1, showMessages: 1, showSpace: 1, startTour: 1, showArticle: 1, startSurvey: 1,
    showTicket: 1, showConversation: 1, hideNotifications: 1, startChecklist: 1 };
  var commands = {
    boot: boot,
    update: update,
    shutdown: function () { teardown(true); state.settings = {}; },
    show: showPanel,
    hide: hidePanel,
    showNewMessage: function (text) {
      state.pendingNewMessage = typeof text === "string" ? text : "";
      showPanel();
      if (state.frame) sendSession();
    },
    trackEvent: trackEvent,
    onShow: function (cb) { if (typeof cb === "function") callbacks.show.push(cb); else warn("onShow needs a function"); },
    onHide: function (cb) { if (typeof cb === "function") callbacks.hide.push(cb); else warn("onHide needs a function"); },
    onUnreadCountChange: function (cb) {
      if (typeof cb === "function") callbacks.unread.push(cb); else warn("onUnreadCountChange needs a function");
    },
    getVisitorId: function () { return state.appId ? visitorId() : undefined; }
  };

  function Intercom(command) {
    var args = Array.prototype.slice.call(arguments, 1);
    if (typeof command !== "string") { warn("Intercom() needs a command name"); return; }
    if (commands.hasOwnProperty(command)) {
      try { return commands[command].apply(null, args); } catch (e) { warn(command + " failed: " + e); return; }
    }
    if (QUIET.hasOwnProperty(command)) { if (command !== "reattach_activator") warn(command + " is not supported yet"); return; }
    warn("unknown command " + command);
  }

  var stub = window.Intercom;
  var queue = (stub && stub.q) || [];
  window.Intercom = Intercom;
  var booted = false;
  for (var i = 0; i < queue.length; i++) {
    var args = Array.prototype.slice.call(queue[i]);
    if (args[0] === "boot") booted = true;
    Intercom.apply(null, args);
  }
  if (!booted && !state.session && !state.booting) {
    var initial = window.intercomSettings;
    if (initial !== undefined && !isPlainObject(initial)) warn("window.intercomSettings must be an object");
    else if (initial && typeof initial.app_id === "string" && initial.app_id) boot(initial);
  }
})();
