// Votes without a page reload: each arrow is a plain form (POST, then a redirect back),
// and this sends the same form with fetch, asking for JSON, then updates the score and the
// arrows in place. Anything unexpected (a log-in page, a rate limit, a network error)
// falls back to submitting the form the ordinary way, which shows what happened.
(function () {
  "use strict";

  // The form posted with fetch, asking for JSON: the answer's JSON (which says "ok" and,
  // when refused, "error"), or a rejection for anything else (a log-in page, a rate limit's
  // text, the network), where the caller falls back to the plain form.
  function postForJSON(url, form) {
    return fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error(response.status);
      return response.json();
    });
  }

  function update(widget, vote) {
    var score = widget.querySelector(".score");
    if (score) {
      score.textContent = vote.score;
      score.title = vote.upvotes + " up, " + vote.downvotes + " down";
    }
    widget.classList.toggle("voted-up", vote.value === 1);
    widget.classList.toggle("voted-down", vote.value === -1);
    widget.querySelectorAll(".vote-form").forEach(function (form) {
      var up = form.querySelector(".vote-up") !== null;
      var mine = up ? 1 : -1;
      // Clicking the arrow of the vote you gave withdraws it (value 0).
      form.querySelector("input[name=value]").value = vote.value === mine ? "0" : String(mine);
      form.querySelector("button").setAttribute("aria-pressed", String(vote.value === mine));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form")) return;
    var widget = form.closest("[data-vote]");
    if (!widget || widget.classList.contains("busy")) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    widget.classList.add("busy");
    postForJSON(form.action, form)
      .then(function (vote) {
        if (!vote.ok) throw new Error(vote.error);
        widget.classList.remove("busy");
        update(widget, vote);
      })
      .catch(function () {
        widget.classList.remove("busy");
        form.submit();
      });
  });

  // A comment's Preview button posts the form to preview_comment (a page of its own without
  // JavaScript); here the answer, as JSON, shows under the text box instead. The HTML is the
  // server's own rendering, sanitized as a posted comment is.
  function showPreview(pane, html, error) {
    pane.textContent = "";
    pane.classList.toggle("error", Boolean(error));
    if (error) {
      pane.textContent = error;
    } else {
      var label = document.createElement("p");
      label.className = "preview-label";
      label.textContent = "Preview: nothing is posted yet";
      var body = document.createElement("div");
      body.className = "comment-body markup";
      body.innerHTML = html;
      pane.appendChild(label);
      pane.appendChild(body);
    }
    pane.hidden = false;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-comment-preview]");
    if (!button || button.dataset.plain) return;
    var form = button.form;
    var pane = form && form.querySelector(".comment-preview");
    if (!pane) return;
    event.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    postForJSON(button.formAction, form)
      .then(function (answer) {
        button.disabled = false;
        showPreview(pane, answer.html, answer.ok ? "" : answer.error);
      })
      .catch(function () {
        // A log-in page, a rate limit, the network: the plain form says what happened.
        button.disabled = false;
        button.dataset.plain = "1";
        button.click();
      });
  });
})();
