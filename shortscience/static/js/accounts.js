// Enhances the claim button and a summary owner's share / revoke / publish buttons: the
// same POST with fetch, asking for JSON. Without JavaScript (or if the request fails) the
// forms post and redirect as usual.
"use strict";

async function postForJson(form) {
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function enhance(selector, onDone) {
  for (const form of document.querySelectorAll(selector)) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button");
      if (button) button.disabled = true;
      const data = await postForJson(form);
      if (data === null) {
        form.submit(); // the plain POST shows the error page or message
        return;
      }
      onDone(form, data);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  enhance("form[data-claim]", (form, data) => {
    const note = document.createElement("span");
    note.className = "claim-status";
    note.setAttribute("role", "status");
    note.textContent = data.message;
    form.replaceWith(note);
  });
  enhance("form[data-owner-action]", async (form, data) => {
    if (data.url && navigator.clipboard) {
      try {
        await navigator.clipboard.writeText(data.url);
      } catch {
        // Clipboard refused: the link is shown on the reloaded page anyway.
      }
    }
    // Publishing and sharing change several parts of the page: show it as the server has it.
    window.location.reload();
  });
});
