/* The public help center's only script (the CSP allows no inline code).
   - Starts the workspace's messenger: the page names its app_id in <body data-app-id>, and
     the loader (/messenger/loader.js, deferred after this file) boots from
     window.intercomSettings. Nothing about the reader is passed: the messenger has its own
     identity rules.
   - Buttons marked data-hc-messenger ("Still need help?", the offer after a 😞) open it on a
     new message. Delegated, so buttons htmx swaps in later work too. */
(function () {
  "use strict";
  var appId = document.body && document.body.getAttribute("data-app-id");
  if (appId && !window.intercomSettings) window.intercomSettings = { app_id: appId };

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-hc-messenger]") : null;
    if (!target) return;
    event.preventDefault();
    if (typeof window.Intercom === "function") window.Intercom("showNewMessage");
  });

})();
