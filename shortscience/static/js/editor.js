// Live preview for the summary editor: posts the text to /markup/preview as the writer
// types (debounced) and shows the server's HTML, which is exactly what publishing stores.
// Without JavaScript the Preview button does the same with a full page round trip.
(function () {
  "use strict";
  var editor = document.querySelector(".editor");
  if (!editor) return;
  var input = editor.querySelector("textarea[name=body]");
  var target = document.getElementById("preview");
  var csrf = editor.querySelector("input[name=csrfmiddlewaretoken]");
  if (!input || !target || !csrf) return;
  var timer = null;
  var inFlight = null;
  var lastSent = null;
  // At most one preview a second, so that no typist comes near the server's limit on
  // previews (accounts/ratelimit.py: 120, refilled one a second).
  var MIN_INTERVAL = 1000;
  var lastSentAt = 0;

  function refresh() {
    var text = input.value;
    if (text === lastSent) return;
    lastSent = text;
    lastSentAt = Date.now();
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    var body = new URLSearchParams();
    body.set("text", text);
    body.set("paper", editor.dataset.paper || "");
    fetch(editor.dataset.previewUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf.value },
      body: body,
      credentials: "same-origin",
      signal: inFlight.signal,
    })
      .then(function (response) {
        if (response.status === 400) {
          // Refused (a text that would take too long to typeset): the reason, as text, where
          // the preview goes.
          return response.text().then(function (reason) {
            var note = document.createElement("p");
            note.className = "placeholder";
            note.textContent = reason;
            return note.outerHTML;
          });
        }
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.text();
      })
      .then(function (html) {
        // The server sanitized this HTML; it is the same fragment the page will store.
        target.innerHTML = html;
        target.classList.remove("stale");
      })
      .catch(function (err) {
        if (err.name !== "AbortError") target.classList.add("stale");
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, Math.max(300, lastSentAt + MIN_INTERVAL - Date.now()));
  });
  if (input.value.trim()) refresh();

  // Unsaved text: a warning before leaving the page, and a copy kept in this browser
  // (localStorage, one key per member and paper) that is offered back on the next visit.
  // The save itself is a plain POST and redirect, so the copy cannot be dropped when it
  // succeeds; it is dropped when the editor next opens holding that same text (the saved
  // one). A page the server rendered from a POST (a preview, a refused save) holds text
  // that is not saved yet: data-unsaved says so.
  var draftKey = editor.dataset.draftKey;
  var unsavedAtLoad = editor.hasAttribute("data-unsaved");
  var loaded = input.value;
  var submitting = false;
  var asking = false;  // the restore question is open: the old copy is kept until answered
  var saveTimer = null;

  function readDraft() {
    try {
      var draft = JSON.parse(window.localStorage.getItem(draftKey));
      return draft && typeof draft.text === "string" ? draft : null;
    } catch (e) {
      return null;  // storage disabled or full, or a damaged entry: no autosave
    }
  }
  function writeDraft() {
    if (asking) return;
    try {
      if (!unsavedAtLoad && input.value === loaded) window.localStorage.removeItem(draftKey);
      else window.localStorage.setItem(draftKey, JSON.stringify({ text: input.value, at: Date.now() }));
    } catch (e) { /* as above */ }
  }
  function dropDraft() {
    try { window.localStorage.removeItem(draftKey); } catch (e) { /* as above */ }
  }
  function changed() {
    return unsavedAtLoad ? input.value.trim() !== "" : input.value !== loaded;
  }

  if (draftKey) {
    var offer = editor.querySelector(".draft-restore");
    var draft = readDraft();
    if (draft && draft.text === input.value) {
      if (!unsavedAtLoad) dropDraft();  // saved since
    } else if (draft && draft.text.trim() && offer) {
      asking = true;
      var age = offer.querySelector(".draft-age");
      if (age && draft.at) age.textContent = "(kept in this browser on " + new Date(draft.at).toLocaleString() + ")";
      offer.hidden = false;
      offer.querySelector(".draft-restore-yes").addEventListener("click", function () {
        asking = false;
        offer.hidden = true;
        input.value = draft.text;
        input.focus();
        input.dispatchEvent(new Event("input"));
      });
      offer.querySelector(".draft-restore-no").addEventListener("click", function () {
        asking = false;
        offer.hidden = true;
        writeDraft();  // the text now in the box replaces the discarded copy, or none
        input.focus();
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(writeDraft, 500);
    });
    editor.addEventListener("submit", function () {
      clearTimeout(saveTimer);
      writeDraft();  // kept until the editor shows this text as saved
      submitting = true;
    });
    window.addEventListener("pageshow", function () { submitting = false; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || !changed()) return;
      clearTimeout(saveTimer);
      writeDraft();
      event.preventDefault();
      event.returnValue = "";  // older browsers show the warning only when this is set
    });
  }

  // Image upload: posts the chosen file to /upload and inserts the returned Markdown at the
  // cursor. Without JavaScript the same form posts, reloads the page and shows the Markdown.
  var uploadForm = document.getElementById("upload-form");
  var fileInput = document.getElementById("upload-file");
  var uploadStatus = editor.querySelector(".upload-status");
  if (!uploadForm || !fileInput) return;

  function insertAtCursor(text) {
    var start = input.selectionStart, end = input.selectionEnd;
    var before = input.value.slice(0, start), after = input.value.slice(end);
    var pad = before && !/\s$/.test(before) ? " " : "";
    input.value = before + pad + text + after;
    input.selectionStart = input.selectionEnd = start + pad.length + text.length;
    input.focus();
    input.dispatchEvent(new Event("input"));
  }

  uploadForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!fileInput.files.length) {
      if (uploadStatus) uploadStatus.textContent = "Choose an image first.";
      return;
    }
    var data = new FormData(uploadForm);
    data.set("file", fileInput.files[0]);
    if (uploadStatus) uploadStatus.textContent = "Uploading…";
    fetch(uploadForm.action, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: data,
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { error: response.status === 429 ? "Too many uploads; please wait a minute." : response.status + " " + response.statusText };
        });
      })
      .then(function (answer) {
        if (answer.markdown) {
          insertAtCursor(answer.markdown);
          fileInput.value = "";
          if (uploadStatus) uploadStatus.textContent = "Uploaded.";
        } else if (uploadStatus) {
          uploadStatus.textContent = answer.error || "The upload failed.";
        }
      })
      .catch(function () {
        if (uploadStatus) uploadStatus.textContent = "Could not reach the site; please try again.";
      });
  });
})();
