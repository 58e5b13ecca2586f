/* Search: type-ahead for every search box marked data-typeahead, and click tracking on the
   results page. Progressive enhancement: without this script the boxes are plain forms.

   Type-ahead follows the WAI-ARIA combobox pattern (list autocomplete): the input is a
   combobox controlling a listbox; Up/Down move through options (aria-activedescendant),
   Enter opens the highlighted one, Escape closes the list, and a polite live region
   announces how many suggestions there are. */
(function () {
  "use strict";

  var DELAY = 150;
  var MIN_CHARS = 2;
  var counter = 0;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function text(key, fallback) {
    return document.documentElement.getAttribute("data-search-" + key) || fallback;
  }

  function setUpTypeahead(input) {
    var url = input.getAttribute("data-suggest-url");
    if (!url || !window.fetch) return;
    counter += 1;
    var id = "typeahead-" + counter;
    var wrapper = input.closest(".typeahead") || input.parentNode;
    wrapper.classList.add("typeahead");

    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "typeahead__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text("suggestions-label", "Suggestions"));
    list.hidden = true;
    wrapper.appendChild(list);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [];
    var active = -1;
    var controller = null;
    var last = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      Array.prototype.forEach.call(options, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(item) {
      close();
      window.location.assign(item.url);
    }

    function render(suggestions) {
      items = suggestions;
      list.textContent = "";
      if (!items.length) {
        close();
        status.textContent = last && last.length >= MIN_CHARS ? text("none", "No suggestions") : "";
        return;
      }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = id + "-option-" + index;
        option.className = "typeahead__option typeahead__option--" + item.kind;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.className = "typeahead__text";
        label.textContent = item.text;
        option.appendChild(label);
        var kind = document.createElement("span");
        kind.className = "typeahead__kind";
        kind.textContent = item.kind === "query" ? text("search-for", "Search") : (item.type || "");
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the input until we navigate
        });
        option.addEventListener("click", function () { go(item); });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      var template = items.length === 1
        ? text("one", "1 suggestion. Use the arrow keys to choose.")
        : text("many", "%s suggestions. Use the arrow keys to choose.");
      status.textContent = template.replace("%s", String(items.length));
    }

    var lookup = debounce(function () {
      var query = input.value.trim();
      if (query === last) return;
      last = query;
      if (controller) controller.abort();
      if (query.length < MIN_CHARS) { render([]); return; }
      controller = window.AbortController ? new window.AbortController() : null;
      window.fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller && controller.signal
      }).then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      }).then(function (data) {
        if (input.value.trim() === query) render(data.suggestions || []);
      }).catch(function () { /* aborted or offline: keep what is shown */ });
    }, DELAY);

    input.addEventListener("input", lookup);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (list.hidden && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (!items.length) return;
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!items.length || list.hidden) return;
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && items[active]) {
          event.preventDefault();
          go(items[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  /* Results page: tell the server which result was opened (rank and item). */
  function setUpClickTracking() {
    var results = document.querySelector(".search-results[data-click-token]");
    if (!results || !navigator.sendBeacon) return;
    var token = results.getAttribute("data-click-token");
    if (!token) return;
    var url = results.getAttribute("data-click-url");
    var csrf = results.getAttribute("data-csrf");
    function send(link) {
      var data = new FormData();
      data.append("token", token);
      data.append("rank", link.getAttribute("data-rank"));
      data.append("item", link.getAttribute("data-item"));
      data.append("csrfmiddlewaretoken", csrf);
      navigator.sendBeacon(url, data);
    }
    results.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-rank]");
      if (link) send(link);
    });
    results.addEventListener("auxclick", function (event) {
      var link = event.target.closest("a[data-rank]");
      if (link && event.button === 1) send(link);
    });
  }

  /* On narrow screens the filters start folded, so the results come first. */
  function foldFilters() {
    if (!window.matchMedia || !window.matchMedia("(max-width: 55.99rem)").matches) return;
    Array.prototype.forEach.call(document.querySelectorAll("details[data-collapse-narrow]"),
      function (details) { details.open = false; });
  }

  /* "Did this answer your question?" on a direct answer (search page, Contact support):
     sent without leaving the page, the answer announced in place of the buttons. The
     form works on its own too; anything unexpected falls back to submitting it. Listens
     on the document: Contact support replaces its direct answer as the person types. */
  function setUpDirectAnswerFeedback() {
    if (!window.fetch || !window.FormData) return;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-direct-answer-form]")) return;
      var submitter = event.submitter;
      if (!submitter || submitter.name !== "helpful") return;
      event.preventDefault();
      var section = form.closest("[data-direct-answer]");
      var status = section && section.querySelector("[data-direct-answer-status]");
      var data = new window.FormData(form);
      data.set("helpful", submitter.value);
      var buttons = form.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (button) { button.disabled = true; });
      window.fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error("rejected");
        return response.json();
      }).then(function (body) {
        if (body.redirect) {
          window.location.assign(body.redirect);
          return;
        }
        form.remove();
        if (status) {
          status.textContent = body.message || "";
          status.focus();
        }
      }).catch(function () {
        Array.prototype.forEach.call(buttons, function (button) { button.disabled = false; });
        var fallback = document.createElement("input");
        fallback.type = "hidden";
        fallback.name = "helpful";
        fallback.value = submitter.value;
        form.appendChild(fallback);
        form.submit();
      });
    });
  }

  function init() {
    setUpDirectAnswerFeedback();
    Array.prototype.forEach.call(document.querySelectorAll("input[data-typeahead]"), setUpTypeahead);
    setUpClickTracking();
    foldFilters();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
