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

  function refresh() {
    var text = input.value;
    if (text === lastSent) return;
    lastSent = text;
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
    timer = setTimeout(refresh, 300);
  });
  if (input.value.trim()) refresh();

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
