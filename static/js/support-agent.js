/* The agents' workspace in the Wagtail admin: keyboard shortcuts (j/k move, o open,
   a assign to me, r reply, c close, ? help), select-all for the bulk actions, and
   canned replies inserted into the reply box. Shortcuts never fire while typing. */
(function () {
  "use strict";

  var queue = document.querySelector("[data-support-queue]");
  var ticket = document.querySelector("[data-support-ticket]");
  var dialog = document.getElementById("support-shortcuts");

  function isTyping(target) {
    if (!target || target === document.body) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (target.type || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
    }
    return false;
  }

  // --- The queue: rows, current row, bulk selection ----------------------------------
  function rows() {
    return Array.prototype.slice.call(
      document.querySelectorAll("#listing-results table.listing tbody tr")
    );
  }

  var current = -1;

  function setCurrent(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row) {
      row.classList.remove("support-row--current");
      row.removeAttribute("aria-current");
    });
    var row = all[index];
    row.classList.add("support-row--current");
    row.setAttribute("aria-current", "true");
    var link = row.querySelector("a[href]");
    if (link) link.focus({ preventScroll: false });
    row.scrollIntoView({ block: "nearest" });
    current = index;
  }

  function currentRow() {
    var all = rows();
    if (current >= 0 && current < all.length) return all[current];
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("#listing-results tbody tr") : null;
    return focused;
  }

  function rowLink(row) {
    return row ? row.querySelector("a[href*='/edit/']") || row.querySelector("a[href]") : null;
  }

  function rowTicket(row) {
    var box = row ? row.querySelector("[data-support-select]") : null;
    return box ? box.value : null;
  }

  function submitBulk(action, ids) {
    var form = document.querySelector("[data-support-bulk]");
    if (!form || !ids.length) return;
    // Only the given tickets: untick the others, tick these.
    document.querySelectorAll("[data-support-select]").forEach(function (box) {
      box.checked = ids.indexOf(box.value) !== -1;
    });
    var button = form.querySelector("button[name=action][value='" + action + "']");
    if (form.requestSubmit && button) form.requestSubmit(button);
    else if (button) button.click();
  }

  function updateSelected() {
    var label = document.querySelector("[data-support-selected]");
    if (!label) return;
    var count = document.querySelectorAll("[data-support-select]:checked").length;
    label.textContent = count
      ? label.getAttribute("data-label") + " " + count.toLocaleString(document.documentElement.lang || undefined)
      : "";
    var all = document.querySelector("[data-support-select-all]");
    var boxes = document.querySelectorAll("[data-support-select]");
    if (all) {
      all.checked = boxes.length > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
  }

  if (queue) {
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches("[data-support-select-all]")) {
        document.querySelectorAll("[data-support-select]").forEach(function (box) {
          box.checked = target.checked;
        });
      }
      if (target.matches("[data-support-select], [data-support-select-all]")) updateSelected();
    });
    // The filters may change without a page load (the admin swaps the listing in): the
    // forms take them from the address bar when they are sent.
    var save = document.querySelector("[data-support-save-view]");
    if (save) {
      save.addEventListener("submit", function () {
        var keys = save.getAttribute("data-filter-keys").split(" ");
        save.querySelectorAll("input[data-filter]").forEach(function (input) { input.remove(); });
        new URLSearchParams(window.location.search).forEach(function (value, key) {
          if (keys.indexOf(key) === -1 || !value) return;
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = key;
          input.value = value;
          input.setAttribute("data-filter", "");
          save.appendChild(input);
        });
      });
    }
    var bulk = document.querySelector("[data-support-bulk]");
    if (bulk) {
      bulk.addEventListener("submit", function () {
        var next = bulk.querySelector("[data-support-next]");
        if (next) next.value = window.location.pathname + window.location.search;
      });
      bulk.addEventListener("submit", function (event) {
        if (!document.querySelector("[data-support-select]:checked")) {
          event.preventDefault();
          var label = document.querySelector("[data-support-selected]");
          if (label) label.textContent = label.getAttribute("data-label-none");
        }
      });
    }
  }

  // --- One ticket: actions and canned replies -------------------------------------------
  function ticketAction(action) {
    var form = document.querySelector("[data-support-ticket-action]");
    if (!form) return;
    form.querySelector("input[name=action]").value = action;
    form.submit();
  }

  function replyBox() {
    return document.getElementById("reply-body");
  }

  var canned = document.querySelector("[data-support-canned]");
  if (canned) {
    var data = JSON.parse(document.getElementById("support-canned-data").textContent);
    canned.querySelector("[data-support-canned-insert]").addEventListener("click", function () {
      var chosen = canned.querySelector("[data-support-canned-select]").value;
      var reply = data.filter(function (item) { return String(item.id) === chosen; })[0];
      var box = replyBox();
      if (!reply || !box) return;
      var start = box.selectionStart || 0;
      var end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + reply.text + box.value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = start + reply.text.length;
    });
  }

  // --- Shortcuts ----------------------------------------------------------------------
  function showHelp() {
    if (dialog && !dialog.open) dialog.showModal();
  }

  // On the window, capturing: before the admin's own shortcuts, whose "?" would open a
  // second dialog over this one.
  window.addEventListener("keydown", function (event) {
    if (!queue && !ticket) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (isTyping(event.target)) return;
    if (dialog && dialog.open) return;
    var key = event.key;
    var handled = true;
    if (key === "?") {
      showHelp();
    } else if (queue && key === "j") {
      setCurrent(current + 1);
    } else if (queue && key === "k") {
      setCurrent(current < 0 ? 0 : current - 1);
    } else if (queue && (key === "o" || key === "r")) {
      var link = rowLink(currentRow());
      if (link) window.location.href = link.href + (key === "r" ? "#reply-heading" : "");
      else handled = false;
    } else if (queue && (key === "a" || key === "c")) {
      var id = rowTicket(currentRow());
      if (id) submitBulk(key === "a" ? "assign_me" : "close", [id]);
      else handled = false;
    } else if (ticket && key === "r") {
      var box = replyBox();
      if (box) box.focus();
      else handled = false;
    } else if (ticket && key === "a") {
      ticketAction("assign_me");
    } else if (ticket && key === "c") {
      ticketAction("close");
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  if (ticket && window.location.hash === "#reply-heading") {
    var box = replyBox();
    if (box) box.focus();
  }
})();
