// Report form and moderation queue: submits the form in place and shows the answer.
// Without JavaScript both forms post and redirect with the same result.
(function () {
  "use strict";

  function enhance(form, statusSelector, onDone) {
    var status = form.querySelector(statusSelector);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.set(event.submitter.name, event.submitter.value);
      }
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      // Not form.action: the queue's buttons are named "action", and a named control
      // shadows the form's property (it would be a RadioNodeList, not the URL).
      fetch(form.getAttribute("action"), {
        method: "POST",
        headers: { Accept: "application/json" },
        body: data,
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().catch(function () {
            return { ok: false, error: response.status + " " + response.statusText };
          });
        })
        .then(function (answer) {
          if (status) status.textContent = answer.ok ? answer.message : answer.error;
          if (answer.ok) onDone(form);
          else buttons.forEach(function (b) { b.disabled = false; });
        })
        .catch(function () {
          if (status) status.textContent = "Could not reach the site; please try again.";
          buttons.forEach(function (b) { b.disabled = false; });
        });
    });
  }

  document.querySelectorAll("form.report-form").forEach(function (form) {
    enhance(form, ".report-status", function (f) {
      f.querySelectorAll("fieldset, textarea, button").forEach(function (el) { el.disabled = true; });
    });
  });
  document.querySelectorAll("form.queue-action").forEach(function (form) {
    enhance(form, ".queue-status", function (f) {
      var item = f.closest(".queue-item");
      if (item) item.classList.add("done");
      else f.reset();
    });
  });
})();
