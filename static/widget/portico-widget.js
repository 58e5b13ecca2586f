/* Portico help widget loader. A product page adds one tag:
 *
 *   <script src="https://<portal>/static/widget/portico-widget.js" data-portico async></script>
 *
 * Optional attributes: data-language="fa|ro|en" (default: the page's <html lang>), and
 * data-token-callback="name" — a global function returning the signed-in person's API
 * token (or a promise of it). The page may also call PorticoWidget.setToken(token) at any
 * time (null forgets it). The token goes to the panel only by postMessage to the portal's
 * origin; the panel's search then runs as that person, and without it public content only.
 *
 * It adds a floating "Help" <button>; the panel is an <iframe> of <portal>/widget/ (the
 * portal decides who may frame it: WIDGET_ALLOWED_ORIGINS). Opening moves focus into the
 * panel; Escape (in the panel or on its close button) closes it and returns focus to the
 * button. Everything lives in a shadow root, so the host's styles and ours do not mix.
 *
 * The address of the host page (location.href: http(s) only, at most 500 characters) goes
 * to the panel with the token; the panel's "Contact support" link carries it, and the
 * portal keeps it only for a site in WIDGET_ALLOWED_ORIGINS, so agents see where the
 * customer came from.
 */
(function () {
  "use strict";

  if (window.PorticoWidget && window.PorticoWidget.loaded) return;

  var script =
    document.currentScript || document.querySelector("script[data-portico][src]");
  if (!script) return;

  var portal = new URL(script.src, window.location.href).origin;
  var languageAttr = script.getAttribute("data-language") || document.documentElement.lang || "";
  var language = languageAttr.toLowerCase().split("-")[0];
  var tokenCallback = script.getAttribute("data-token-callback");

  var state = { token: null, open: false, ready: false };
  var labels = { open: "Help", close: "Close help", title: "Help" };
  var host, root, button, panel, closeButton, frame;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function build() {
    host = el("div", { "data-portico-widget": "" });
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    root.appendChild(
      el("link", { rel: "stylesheet", href: portal + "/static/widget/portico-widget.css" })
    );
    var wrapper = el("div", { class: "pw", dir: "ltr" });
    button = el(
      "button",
      { type: "button", class: "pw-button", "aria-expanded": "false", "aria-controls": "pw-panel" },
      labels.open
    );
    panel = el("div", {
      class: "pw-panel",
      id: "pw-panel",
      role: "dialog",
      "aria-label": labels.title,
    });
    panel.hidden = true;
    closeButton = el("button", { type: "button", class: "pw-close", "aria-label": labels.close }, "×");
    panel.appendChild(closeButton);
    wrapper.appendChild(panel);
    wrapper.appendChild(button);
    root.appendChild(wrapper);
    document.body.appendChild(host);

    button.addEventListener("click", function () {
      if (state.open) close();
      else open();
    });
    closeButton.addEventListener("click", close);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        close();
      }
    });
    window.addEventListener("message", onMessage);
    loadLabels();
  }

  function loadLabels() {
    var url = portal + "/widget/config/" + (language ? "?lang=" + encodeURIComponent(language) : "");
    if (!window.fetch) return;
    fetch(url, { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || !data.labels) return;
        labels = data.labels;
        button.textContent = labels.open;
        panel.setAttribute("aria-label", labels.title);
        closeButton.setAttribute("aria-label", labels.close);
        root.querySelector(".pw").setAttribute("dir", data.dir === "rtl" ? "rtl" : "ltr");
        if (frame) frame.title = labels.title;
        if (data.language) language = data.language;
      })
      .catch(function () {
        /* not an allowed origin, or the portal is away: English labels stay */
      });
  }

  function frameUrl() {
    return portal + "/widget/" + (language ? "?lang=" + encodeURIComponent(language) : "");
  }

  function open() {
    state.open = true;
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    if (!frame) {
      frame = el("iframe", { class: "pw-frame", title: labels.title, src: frameUrl() });
      frame.addEventListener("load", function () {
        state.ready = false;
        resolveToken().then(function () {
          send({ type: "portico:init", token: state.token, page: pageUrl() });
          if (state.open) focusPanel();
        });
      });
      panel.appendChild(frame);
    } else {
      focusPanel();
    }
  }

  function focusPanel() {
    frame.focus();
    send({ type: "portico:focus" });
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }

  var PAGE_URL_MAX = 500;

  function pageUrl() {
    var href = String(window.location.href || "");
    if (!/^https?:\/\//i.test(href) || href.length > PAGE_URL_MAX) return null;
    return href;
  }

  function send(message) {
    // Only the portal's own origin can read what is sent (the token above all).
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(message, portal);
  }

  function onMessage(event) {
    if (event.origin !== portal || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "portico:close") close();
    else if (data.type === "portico:ready") state.ready = true;
  }

  function resolveToken() {
    var callback = tokenCallback && window[tokenCallback];
    if (typeof callback !== "function") return Promise.resolve();
    return Promise.resolve()
      .then(function () {
        return callback();
      })
      .then(function (token) {
        if (typeof token === "string" && token) state.token = token;
      })
      .catch(function () {
        /* no token: public content */
      });
  }

  window.PorticoWidget = {
    loaded: true,
    setToken: function (token) {
      state.token = typeof token === "string" && token ? token : null;
      send({ type: "portico:token", token: state.token });
    },
    open: function () {
      if (button) open();
    },
    close: function () {
      if (button) close();
    },
  };

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
