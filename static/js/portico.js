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

  /* Wide Markdown tables scroll sideways inside a labelled, keyboard-focusable region. */
  function wrapTables() {
    var tables = document.querySelectorAll(".prose table");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.parentElement.classList.contains("table-scroll")) return;
      var wrapper = document.createElement("div");
      wrapper.className = "table-scroll";
      wrapper.setAttribute("role", "region");
      var caption = table.querySelector("caption");
      var label = document.documentElement.getAttribute("data-table-label") || "Table";
      wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : label);
      table.parentNode.insertBefore(wrapper, table);
      wrapper.appendChild(table);
      // Keyboard users can scroll it only if it is focusable; only then is it a tab stop.
      if (wrapper.scrollWidth > wrapper.clientWidth) wrapper.setAttribute("tabindex", "0");
    });
  }

  function init() {
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
