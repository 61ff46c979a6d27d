// Drag-and-drop order of collections, of sections in a collection and of articles in and
// between sections (SortableJS). Each drop posts the new order of ids of the list it landed
// in; the server checks every id against the workspace. Without JavaScript the up and down
// buttons and "move to" menus beside each row post to the same endpoints.
(function () {
  "use strict";

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the cookie */ }
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, params) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: params.toString(),
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
    }).then(function (response) {
      if (!response.ok) throw new Error("order not saved: " + response.status);
    });
  }

  function items(list) {
    return Array.prototype.filter.call(list.children, function (child) { return child.dataset.id; });
  }

  function ids(list) {
    return items(list).map(function (child) { return child.dataset.id; });
  }

  // The buttons' first and last rows cannot move further; keep that true after a drop.
  function refreshButtons(list) {
    var rows = items(list);
    rows.forEach(function (row, index) {
      var up = row.querySelector(':scope > .sortable-list__buttons [value="up"], :scope > .card__header [value="up"]');
      var down = row.querySelector(':scope > .sortable-list__buttons [value="down"], :scope > .card__header [value="down"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === rows.length - 1;
    });
  }

  function failed(root) {
    window.alert(root.dataset.msgFailed || "");
    window.location.reload();
  }

  function sortable(list, options, onDrop) {
    return window.Sortable.create(list, Object.assign({
      draggable: "[data-id]", animation: 150, ghostClass: "sortable-ghost", chosenClass: "sortable-chosen",
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) return;
        onDrop(event);
      },
    }, options));
  }

  function setup(attempt) {
    var pending = document.querySelectorAll("[data-sortable]:not([data-ready]), [data-collection-tree]:not([data-ready])");
    if (!pending.length) return;
    if (!window.Sortable) {
      if ((attempt || 0) < 200) setTimeout(function () { setup((attempt || 0) + 1); }, 25);
      return;
    }
    document.querySelectorAll("[data-sortable]:not([data-ready])").forEach(function (list) {
      list.dataset.ready = "1";
      sortable(list, { handle: "[data-handle]" }, function () {
        var params = new URLSearchParams();
        ids(list).forEach(function (id) { params.append(list.dataset.orderField || "ids", id); });
        post(list.dataset.orderUrl, params).then(function () { refreshButtons(list); }).catch(function () { failed(list); });
      });
    });
    document.querySelectorAll("[data-collection-tree]:not([data-ready])").forEach(function (tree) {
      tree.dataset.ready = "1";
      var url = tree.dataset.orderUrl;
      var sections = tree.querySelector("[data-section-list]");
      if (sections) {
        sortable(sections, { handle: "[data-section-handle]" }, function () {
          var params = new URLSearchParams([["kind", "sections"]]);
          ids(sections).forEach(function (id) { params.append("ids", id); });
          post(url, params).then(function () { refreshButtons(sections); }).catch(function () { failed(tree); });
        });
      }
      tree.querySelectorAll("[data-article-container]").forEach(function (container) {
        // One group for every section, so an article can be dragged from one to another.
        sortable(container, { handle: "[data-handle]", group: "articles" }, function (event) {
          var target = event.to;
          var params = new URLSearchParams([["kind", "articles"], ["section", target.dataset.articleContainer]]);
          ids(target).forEach(function (id) { params.append("ids", id); });
          post(url, params).then(function () {
            refreshButtons(target);
            if (event.from !== target) refreshButtons(event.from);
            var select = event.item.querySelector('select[name="to"]');
            if (select) select.value = target.dataset.articleContainer || "loose";
          }).catch(function () { failed(tree); });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(0); });
  document.addEventListener("htmx:afterSettle", function () { setup(0); });
  if (document.readyState !== "loading") setup(0);
})();
