/* Contact support: suggested answers while the problem is described, and a copy of the
   draft in sessionStorage. Progressive enhancement only: without this script the
   "Show suggested answers" button does the same on the server. */
(function () {
  "use strict";

  var DELAY = 400;
  var STORAGE_KEY = "portico.support.draft";
  var FIELDS = ["subject", "description"];

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; /* blocked by the browser's privacy settings */
    }
  }

  function forget() {
    var store = storage();
    if (store) { store.removeItem(STORAGE_KEY); }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function initDescribe(form) {
    var region = document.getElementById("support-suggestions");
    var status = document.getElementById("support-suggestions-status");
    var url = form.getAttribute("data-suggest-url");
    if (!region || !status || !url || !window.fetch || !window.FormData) { return; }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var manual = form.querySelector("[data-support-manual]");
    if (manual) { manual.hidden = true; }
    var controller = null;
    var last = null;

    function values() {
      var product = form.querySelector("input[name=product]:checked");
      return {
        product: product ? product.value : "",
        subject: form.elements.subject.value,
        description: form.elements.description.value
      };
    }

    function save() {
      var store = storage();
      if (store) { store.setItem(STORAGE_KEY, JSON.stringify(values())); }
    }

    function restore() {
      var store = storage();
      var saved = null;
      if (!store) { return; }
      try {
        saved = JSON.parse(store.getItem(STORAGE_KEY) || "null");
      } catch (error) {
        saved = null;
      }
      if (!saved) { return; }
      var empty = FIELDS.every(function (name) { return !form.elements[name].value.trim(); });
      if (!empty) { return; } /* the server's copy of the draft wins */
      FIELDS.forEach(function (name) { form.elements[name].value = saved[name] || ""; });
      if (saved.product && !form.querySelector("input[name=product]:checked")) {
        var radio = form.querySelector("input[name=product][value='" + saved.product.replace(/'/g, "") + "']");
        if (radio) { radio.checked = true; }
      }
    }

    function announce(message) {
      /* Clear first so the same message is announced again. */
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message || ""; }, 50);
    }

    function item(result) {
      var li = el("li", "card support-suggestion");
      var kind = el("p", "support-suggestion__kind");
      var badge = el("span", "badge" + (result.solved ? " badge--success" : ""));
      badge.textContent = region.getAttribute(
        result.kind === "article" ? "data-label-article" :
          result.solved ? "data-label-solved" : "data-label-question"
      );
      kind.appendChild(badge);
      var title = el("h3", "card__title support-suggestion__title");
      var link = el("a", "", result.title);
      link.href = result.url;
      title.appendChild(link);
      li.appendChild(kind);
      li.appendChild(title);
      if (result.passage) { li.appendChild(el("p", "support-suggestion__passage", result.passage)); }
      var solved = el("form", "support-suggestion__solved");
      solved.method = "post";
      solved.action = region.getAttribute("data-solved-url");
      if (token) { solved.appendChild(token.cloneNode()); }
      var key = document.createElement("input");
      key.type = "hidden";
      key.name = "key";
      key.value = result.key;
      solved.appendChild(key);
      var button = el("button", "button button--secondary button--small",
        region.getAttribute("data-label-button"));
      button.type = "submit";
      var hint = el("span", "visually-hidden", ": " + result.title);
      button.appendChild(hint);
      solved.appendChild(button);
      solved.addEventListener("submit", forget);
      li.appendChild(solved);
      return li;
    }

    function render(data) {
      var results = data.results || [];
      var direct = document.querySelector("[data-support-direct-answer]");
      /* Rendered by the server from the same template as without the script. */
      if (direct) { direct.innerHTML = data.direct_answer_html || ""; }
      region.textContent = "";
      if (results.length) {
        var list = el("ol", "support-suggestion-list list-plain");
        results.forEach(function (result) { list.appendChild(item(result)); });
        region.appendChild(list);
      } else if (data.message) {
        region.appendChild(el("p", "empty-state support-suggestions__empty",
          region.getAttribute("data-label-empty")));
      }
      announce(data.message);
    }

    var lookup = debounce(function () {
      var current = values();
      var text = (current.subject + " " + current.description).trim();
      var signature = current.product + "\n" + text;
      if (signature === last) { return; }
      last = signature;
      if (controller) { controller.abort(); }
      if (text.length < 3) {
        region.textContent = "";
        announce("");
        return;
      }
      controller = window.AbortController ? new window.AbortController() : null;
      var body = new window.FormData();
      body.append("product", current.product);
      body.append("subject", current.subject);
      body.append("description", current.description);
      var searched = form.querySelector("input[name=searched]");
      if (searched) { body.append("searched", searched.value); }
      var pageUrl = form.querySelector("input[name=page_url]");
      if (pageUrl) { body.append("page_url", pageUrl.value); }
      region.setAttribute("aria-busy", "true");
      window.fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
        signal: controller && controller.signal
      }).then(function (response) {
        return response.ok ? response.json() : { results: [], message: "" };
      }).then(function (data) {
        region.removeAttribute("aria-busy");
        render(data);
      }).catch(function () {
        region.removeAttribute("aria-busy"); /* aborted or offline: keep what is shown */
      });
    }, DELAY);

    restore();
    form.addEventListener("input", function () { save(); lookup(); });
    form.addEventListener("change", function () { save(); lookup(); });
    region.addEventListener("submit", forget);
    if ((form.elements.subject.value + form.elements.description.value).trim() &&
        !region.querySelector(".support-suggestion")) {
      lookup();
    } else {
      last = values().product + "\n" +
        (form.elements.subject.value + " " + form.elements.description.value).trim();
    }
  }

  document.querySelectorAll("form[data-support-describe]").forEach(initDescribe);
  document.querySelectorAll("[data-support-restart]").forEach(function (form) {
    form.addEventListener("submit", forget);
  });
  if (document.querySelector("[data-support-clear]")) { forget(); }
})();
