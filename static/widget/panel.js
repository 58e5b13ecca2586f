/* The help widget's panel (/widget/, inside the loader's frame).
 *
 * Searches as you type (debounced) and on submit through /widget/results/ (same origin),
 * and keeps the "Contact support" link carrying the query. The host page may hand over
 * the signed-in person's API token: it is accepted only in a message from the parent
 * window whose origin is allowed (data-allowed-origins), kept in memory, and sent as
 * "Authorization: Bearer" — never in an address. Escape asks the host to close the panel.
 * The host page's address comes with the same message (http(s), at most 500 characters,
 * on the sender's own origin): "Contact support" carries it as ?from= (the portal checks
 * it again against WIDGET_ALLOWED_ORIGINS).
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
  var hostPage = null;
  var PAGE_URL_MAX = 500;
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

  function withPage(url) {
    if (!hostPage) return url;
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "from=" + encodeURIComponent(hostPage);
  }

  function setSupport(query, url) {
    if (url) {
      support.href = withPage(url);
      return;
    }
    var base = support.href.split("?")[0];
    support.href = withPage(query ? base + "?q=" + encodeURIComponent(query) : base);
  }

  function acceptPage(page, origin) {
    if (typeof page !== "string" || !page || page.length > PAGE_URL_MAX) return null;
    if (!/^https?:\/\//i.test(page)) return null;
    try {
      return new URL(page).origin === origin ? page : null;
    } catch (error) {
      return null;
    }
  }

  // "Did this answer your question?" under the direct answer: sent without leaving the
  // panel (the form also works without script: it posts to a small thank-you page).
  results.addEventListener("submit", function (event) {
    var feedback = event.target;
    if (!feedback || !feedback.hasAttribute || !feedback.hasAttribute("data-widget-feedback")) return;
    event.preventDefault();
    var data = new FormData(feedback);
    if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
    var note = feedback.parentNode.querySelector("[data-widget-feedback-status]");
    var buttons = feedback.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (button) {
      button.disabled = true;
    });
    fetch(feedback.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    })
      .then(function (response) {
        return response.json().catch(function () {
          return {};
        });
      })
      .then(function (answer) {
        if (answer.message) feedback.hidden = true;
        else
          Array.prototype.forEach.call(buttons, function (button) {
            button.disabled = false;
          });
        if (note) {
          note.textContent = answer.message || answer.error || "";
          note.focus();
        }
      })
      .catch(function () {
        Array.prototype.forEach.call(buttons, function (button) {
          button.disabled = false;
        });
      });
  });

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
      if (data.type === "portico:init") {
        hostPage = acceptPage(data.page, event.origin);
        setSupport(lastQuery || "");
        toHost({ type: "portico:ready" });
      }
    } else if (data.type === "portico:focus") {
      hostOrigin = hostOrigin || event.origin;
      input.focus();
    }
  });

  if (input.value) lastQuery = input.value.replace(/\s+/g, " ").trim();
})();
