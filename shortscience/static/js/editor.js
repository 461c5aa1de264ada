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
})();
