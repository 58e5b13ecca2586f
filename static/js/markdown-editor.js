// The admin's Markdown editor: EasyMDE on every textarea with
// data-controller="portico-markdown" (core/widgets.py), StreamField blocks added later
// included. The preview is drawn by the site's own renderer through an admin endpoint,
// so editors see exactly what readers will get.
(() => {
  "use strict";

  const ICONS = {
    bold: "<b>B</b>",
    italic: "<i>I</i>",
    heading: "<b>H</b>",
    quote: "<b>❝</b>",
    "unordered-list": "<b>•</b>",
    "ordered-list": "<b>1.</b>",
    code: "<b>&lt;/&gt;</b>",
    "horizontal-rule": "<b>—</b>",
    link:
      '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M6.5 9.5l3-3M7 4.5l1.5-1.5a2.5 2.5 0 013.5 3.5L10.5 8M9 11.5L7.5 13A2.5 2.5 0 014 9.5L5.5 8" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>',
    table:
      '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M1.5 2.5h13v11h-13zM1.5 6.5h13M1.5 10h13M6 2.5v11M10.5 2.5v11" fill="none" stroke="currentColor"/></svg>',
    preview:
      '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5z" fill="none" stroke="currentColor" stroke-width="1.3"/><circle cx="8" cy="8" r="2.2" fill="currentColor"/></svg>',
    "side-by-side":
      '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M1.5 2.5h13v11h-13zM8 2.5v11" fill="none" stroke="currentColor" stroke-width="1.3"/></svg>',
    help: "<b>?</b>",
  };

  function csrfToken(element) {
    const config = window.wagtailConfig || {};
    if (config.CSRF_TOKEN) return config.CSRF_TOKEN;
    const form = element.closest("form");
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function register() {
    if (!window.StimulusModule || !window.wagtail || !window.wagtail.app) return false;
    const { Controller } = window.StimulusModule;

    class MarkdownController extends Controller {
      static values = { previewUrl: String, labels: Object };

      connect() {
        if (this.editor || typeof window.EasyMDE === "undefined") return;
        const EasyMDE = window.EasyMDE;
        const labels = this.labelsValue || {};
        const button = (name, action, extra = {}) => ({
          name,
          action,
          title: labels[name] || name,
          icon: ICONS[name],
          attributes: { "data-portico-markdown-button": name },
          ...extra,
        });
        this.rendering = 0;
        this.editor = new EasyMDE({
          element: this.element,
          autoDownloadFontAwesome: false,
          forceSync: true,
          spellChecker: false,
          nativeSpellcheck: true,
          status: false,
          minHeight: "12rem",
          sideBySideFullscreen: false,
          direction: document.documentElement.dir === "rtl" ? "rtl" : "ltr",
          toolbar: [
            button("bold", EasyMDE.toggleBold),
            button("italic", EasyMDE.toggleItalic),
            button("heading", EasyMDE.toggleHeadingSmaller),
            "|",
            button("quote", EasyMDE.toggleBlockquote),
            button("unordered-list", EasyMDE.toggleUnorderedList),
            button("ordered-list", EasyMDE.toggleOrderedList),
            button("code", EasyMDE.toggleCodeBlock),
            "|",
            button("link", EasyMDE.drawLink),
            button("table", EasyMDE.drawTable),
            button("horizontal-rule", EasyMDE.drawHorizontalRule),
            "|",
            button("preview", EasyMDE.togglePreview, { noDisable: true }),
            button("side-by-side", EasyMDE.toggleSideBySide, { noDisable: true, noMobile: true }),
            button("help", () => this.toggleHelp(), { noDisable: true }),
          ],
          previewRender: (text, preview) => {
            this.renderPreview(text, preview);
            return null;
          },
        });
        this.editor.codemirror.on("change", () => {
          this.element.dispatchEvent(new Event("input", { bubbles: true }));
        });
      }

      disconnect() {
        if (this.editor) {
          this.editor.toTextArea();
          this.editor = null;
        }
      }

      toggleHelp() {
        const wrapper = this.element.closest(".portico-markdown");
        const help = wrapper && wrapper.querySelector("[data-portico-markdown-help]");
        if (help) help.hidden = !help.hidden;
      }

      renderPreview(text, preview) {
        const labels = this.labelsValue || {};
        const ticket = ++this.rendering;
        if (!preview.innerHTML) preview.textContent = labels.loading || "…";
        window.clearTimeout(this.timer);
        this.timer = window.setTimeout(() => {
          fetch(this.previewUrlValue, {
            method: "POST",
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrfToken(this.element) },
            body: new URLSearchParams({ text }),
          })
            .then((response) => {
              if (!response.ok) throw new Error(String(response.status));
              return response.text();
            })
            .then((html) => {
              // Sanitized by the server's renderer (core/markdown.py).
              if (ticket === this.rendering) preview.innerHTML = html;
            })
            .catch(() => {
              if (ticket === this.rendering) preview.textContent = labels.failed || "!";
            });
        }, 150);
      }
    }

    window.wagtail.app.register("portico-markdown", MarkdownController);
    return true;
  }

  if (!register()) document.addEventListener("DOMContentLoaded", register, { once: true });
})();
