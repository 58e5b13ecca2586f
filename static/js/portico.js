/* Portico — small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  /* Mobile navigation: the menu collapses behind a button on narrow screens. */
  function setUpNavToggle() {
    var header = document.querySelector(".site-header");
    var toggle = header && header.querySelector(".nav-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;

    header.classList.add("has-toggle");
    toggle.hidden = false;

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("is-open", open);
    }

    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true" &&
          getComputedStyle(toggle).display !== "none") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  /* The account and language menus (<details> elements): close on Escape or a click
     elsewhere. */
  function setUpAccountMenu() {
    var menus = document.querySelectorAll(".account-menu, .language-menu");
    Array.prototype.forEach.call(menus, function (menu) {
      document.addEventListener("click", function (event) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });
  }

  /* Wide Markdown tables and code blocks scroll sideways inside a labelled region that
     keyboard users can focus (and scroll with the arrow keys). A region is a tab stop only
     while it really scrolls: that is checked again when the window changes size. */
  var scrollRegions = [];

  function updateScrollRegion(region) {
    var scrolls = region.element.scrollWidth > region.element.clientWidth + 1;
    if (scrolls) {
      region.element.setAttribute("tabindex", "0");
      if (region.labelWhileScrolling) {
        region.element.setAttribute("role", "region");
        region.element.setAttribute("aria-label", region.labelWhileScrolling);
      }
    } else {
      region.element.removeAttribute("tabindex");
      if (region.labelWhileScrolling) {
        region.element.removeAttribute("role");
        region.element.removeAttribute("aria-label");
      }
    }
  }

  function wrapTables() {
    var root = document.documentElement;
    var tables = document.querySelectorAll(".prose table");
    Array.prototype.forEach.call(tables, function (table) {
      var wrapper = table.parentElement;
      if (!wrapper.classList.contains("table-scroll")) {
        wrapper = document.createElement("div");
        wrapper.className = "table-scroll";
        wrapper.setAttribute("role", "region");
        var caption = table.querySelector("caption");
        var label = root.getAttribute("data-table-label") || "Table";
        wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : label);
        table.parentNode.insertBefore(wrapper, table);
        wrapper.appendChild(table);
      }
      scrollRegions.push({ element: wrapper, labelWhileScrolling: null });
    });
    // Code blocks are labelled as regions only while they scroll (no landmark noise).
    var codeLabel = root.getAttribute("data-code-label") || "Code";
    Array.prototype.forEach.call(document.querySelectorAll("pre"), function (pre) {
      if (pre.hasAttribute("role") || pre.closest(".table-scroll")) return;
      scrollRegions.push({ element: pre, labelWhileScrolling: codeLabel });
    });
    scrollRegions.forEach(updateScrollRegion);

    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) return;
      pending = window.requestAnimationFrame(function () {
        pending = null;
        scrollRegions.forEach(updateScrollRegion);
      });
    });
  }

  /* An article's contents start folded on narrow screens, where they would push the
     article itself below the fold; they stay open on wide ones. */
  function foldContentsOnNarrowScreens() {
    var contents = document.querySelector("details[data-toc]");
    if (contents && window.matchMedia && window.matchMedia("(max-width: 63.99rem)").matches) {
      contents.open = false;
    }
  }

  function init() {
    foldContentsOnNarrowScreens();
    setUpNavToggle();
    setUpAccountMenu();
    wrapTables();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
