/* Community forum: similar questions and articles while a title is typed, tag suggestions.
   Progressive enhancement only: every form works without this script. */
(function () {
  "use strict";

  var DELAY = 300;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function getJSON(url, signal) {
    return window.fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: signal
    }).then(function (response) {
      return response.ok ? response.json() : { results: [] };
    });
  }

  function initSimilar(form) {
    var input = form.querySelector("[data-forum-similar]");
    var region = document.getElementById("forum-similar");
    var url = form.getAttribute("data-similar-url");
    if (!input || !region || !url || !window.fetch) { return; }
    var controller = null;
    var last = null;

    function render(results) {
      region.textContent = "";
      if (!results.length) { return; }
      var heading = document.createElement("p");
      heading.className = "forum-similar__heading";
      heading.textContent = region.getAttribute("data-heading");
      var list = document.createElement("ul");
      list.className = "list-plain forum-similar__list";
      results.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.title;
        link.target = "_blank";
        link.rel = "noopener";
        var meta = document.createElement("span");
        meta.className = "meta";
        var label = region.getAttribute(
          item.kind === "article" ? "data-label-article" : "data-label-question"
        );
        meta.textContent = " " + label + " · " + item.meta;
        var hint = document.createElement("span");
        hint.className = "visually-hidden";
        hint.textContent = " (" + region.getAttribute("data-new-tab") + ")";
        link.appendChild(hint);
        li.appendChild(link);
        li.appendChild(meta);
        list.appendChild(li);
      });
      region.appendChild(heading);
      region.appendChild(list);
    }

    var lookup = debounce(function () {
      var query = input.value.trim();
      if (query === last) { return; }
      last = query;
      if (controller) { controller.abort(); }
      if (query.length < 3) { render([]); return; }
      controller = window.AbortController ? new window.AbortController() : null;
      getJSON(url + "?q=" + encodeURIComponent(query), controller && controller.signal)
        .then(function (data) { render(data.results || []); })
        .catch(function () { /* aborted or offline: keep what is shown */ });
    }, DELAY);

    input.addEventListener("input", lookup);
    if (input.value.trim()) { lookup(); }
  }

  function initTags(form) {
    var input = form.querySelector("[data-forum-tags]");
    var url = form.getAttribute("data-tags-url");
    var list = document.getElementById("forum-tag-options");
    if (!input || !url || !list || !window.fetch) { return; }
    var controller = null;

    var suggest = debounce(function () {
      var parts = input.value.split(",");
      var current = parts.pop().trim();
      var chosen = parts.map(function (p) { return p.trim().toLowerCase(); }).filter(Boolean);
      var prefix = chosen.length ? chosen.join(", ") + ", " : "";
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new window.AbortController() : null;
      getJSON(url + "?q=" + encodeURIComponent(current), controller && controller.signal)
        .then(function (data) {
          list.textContent = "";
          (data.results || []).forEach(function (name) {
            if (chosen.indexOf(name) !== -1) { return; }
            var option = document.createElement("option");
            option.value = prefix + name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, DELAY);

    input.addEventListener("input", suggest);
    input.addEventListener("focus", suggest);
  }

  /* Live Markdown preview: the draft goes to the server's own renderer (the one published
     posts use, sanitized there) and the HTML it returns is shown in a live region. */
  function initPreview(section) {
    var url = section.getAttribute("data-preview-url");
    var input = document.getElementById(section.getAttribute("data-preview-for"));
    var output = section.querySelector(".forum-preview__body");
    var form = input && input.form;
    var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !input || !output || !token || !window.fetch || !window.URLSearchParams || !window.DOMParser) { return; }
    section.hidden = false;
    var controller = null;
    var last = null;

    function message(text, isError) {
      output.textContent = "";
      var p = document.createElement("p");
      p.className = isError ? "form-error" : "meta";
      p.textContent = text;
      output.appendChild(p);
    }

    var update = debounce(function () {
      var text = input.value;
      if (text === last) { return; }
      last = text;
      if (controller) { controller.abort(); }
      if (!text.trim()) { message(section.getAttribute("data-preview-empty"), false); return; }
      controller = window.AbortController ? new window.AbortController() : null;
      var data = new window.URLSearchParams();
      data.append("body", text);
      window.fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token.value },
        signal: controller && controller.signal
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (response.ok && typeof json.html === "string") {
            // Sanitized by the server; parsed into an inert document (nothing in it runs)
            // and its nodes moved into the live region.
            var parsed = new window.DOMParser().parseFromString(json.html, "text/html");
            output.textContent = "";
            while (parsed.body.firstChild) {
              output.appendChild(document.adoptNode(parsed.body.firstChild));
            }
            output.setAttribute("data-state", "ready");
            return;
          }
          var error = json.error;
          if (error && typeof error === "object") { error = error.message; }
          message(error || section.getAttribute("data-preview-failed"), true);
          output.setAttribute("data-state", "error");
          last = null;  // try again on the next change
        });
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        message(section.getAttribute("data-preview-failed"), true);
        last = null;
      });
    }, DELAY * 2);

    input.addEventListener("input", update);
    if (input.value.trim()) { update(); } else { message(section.getAttribute("data-preview-empty"), false); }
  }

  document.querySelectorAll("[data-forum-preview]").forEach(initPreview);

  document.querySelectorAll("form[data-forum-ask]").forEach(function (form) {
    initSimilar(form);
    initTags(form);
  });
})();
