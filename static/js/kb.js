/* Knowledge base: "Was this helpful?" without a page reload.
 *
 * The form works on its own (POST, then a redirect back with a message). When fetch is
 * available we send the same form data, then replace the form with the answer, announced
 * through the section's live region.
 */
(function () {
  "use strict";

  function enhance(section) {
    var form = section.querySelector("[data-helpful-form]");
    var status = section.querySelector("[data-helpful-status]");
    if (!form || !status || !window.fetch || !window.FormData) {
      return;
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || submitter.name !== "helpful") {
        return; // Let the browser submit normally.
      }
      event.preventDefault();

      var data = new FormData(form);
      data.set(submitter.name, submitter.value);
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (button) { button.disabled = true; });
      form.setAttribute("aria-busy", "true");

      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (result) {
          if (!result.ok) {
            throw new Error("rejected");
          }
          form.remove();
          status.textContent = result.body.message;
          status.focus();
        })
        .catch(function () {
          // Anything unexpected: fall back to a normal submission.
          buttons.forEach(function (button) { button.disabled = false; });
          form.removeAttribute("aria-busy");
          var fallback = document.createElement("input");
          fallback.type = "hidden";
          fallback.name = submitter.name;
          fallback.value = submitter.value;
          form.appendChild(fallback);
          form.submit();
        });
    });
  }

  document.querySelectorAll("[data-helpful]").forEach(enhance);
})();
