/* The help widget's panel (/widget/, inside the loader's frame).
 *
 * Searches as you type (debounced) and on submit through /widget/results/ (same origin),
 * and keeps the "Contact support" link carrying the query. The host page may hand over
 * the signed-in person's API token: it is accepted only in a message from the parent
 * window whose origin is allowed (data-allowed-origins), kept in memory, and sent as
 * "Authorization: Bearer" — never in an address. Escape asks the host to close the panel.
 */
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.hasAttribute("data-widget")) return;

  var form = document.querySelector("[data-widget-form]");
  var input = document.querySelector("[data-widget-input]");
  var results = document.querySelector("[data-widget-results]");
  var status = document.querySelector("[data-widget-status]");
  var support = document.querySelector("[data-widget-support]");
  var allowed = (body.getAttribute("data-allowed-origins") || "").split(/\s+/).filter(Boolean);
  var resultsUrl = body.getAttribute("data-results-url");
  var language = body.getAttribute("data-language") || "";
  var DELAY = 250;
  var MIN_LENGTH = 3;

  var token = null;
  var hostOrigin = null;
  var timer = null;
  var controller = null;
  var lastQuery = null;

  function search(force) {
    var query = input.value.replace(/\s+/g, " ").trim();
    if (!force && query === lastQuery) return;
    lastQuery = query;
    if (controller) controller.abort();
    if (query.length < MIN_LENGTH) {
      results.innerHTML = "";
      status.textContent = "";
      setSupport(query);
      return;
    }
    controller = typeof AbortController === "function" ? new AbortController() : null;
    var headers = { Accept: "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    var url = resultsUrl + "?q=" + encodeURIComponent(query) + "&lang=" + encodeURIComponent(language);
    body.setAttribute("aria-busy", "true");
    status.textContent = body.getAttribute("data-searching") || "";
    fetch(url, {
      headers: headers,
      credentials: "omit",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        // Built by the portal's templates (escaped there): the same markup as without script.
        results.innerHTML = data.html;
        status.textContent = data.status;
        setSupport(query, data.support_url);
        body.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        body.removeAttribute("aria-busy");
        results.innerHTML = "";
        status.textContent = body.getAttribute("data-unavailable") || "";
        setSupport(query);
      });
  }

  function setSupport(query, url) {
    if (url) {
      support.href = url;
      return;
    }
    var base = support.href.split("?")[0];
    support.href = query ? base + "?q=" + encodeURIComponent(query) : base;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    search(true);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY);
  });

  function toHost(message) {
    if (hostOrigin && window.parent !== window) window.parent.postMessage(message, hostOrigin);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      toHost({ type: "portico:close" });
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || allowed.indexOf(event.origin) === -1) return;
    var data = event.data || {};
    if (data.type === "portico:init" || data.type === "portico:token") {
      hostOrigin = event.origin;
      var next = typeof data.token === "string" && data.token ? data.token : null;
      var changed = next !== token;
      token = next;
      if (changed && lastQuery) search(true);
      if (data.type === "portico:init") toHost({ type: "portico:ready" });
    } else if (data.type === "portico:focus") {
      hostOrigin = hostOrigin || event.origin;
      input.focus();
    }
  });

  if (input.value) lastQuery = input.value.replace(/\s+/g, " ").trim();
})();
