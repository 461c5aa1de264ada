// A long-lived KaTeX renderer for shortscience/lib/katex.py.
//
// Protocol: JSON lines. The first line written is {"ready": true, "version": "..."} once KaTeX is
// loaded, or {"fatal": "..."} (and exit code 2) when it cannot be. After that, every request line
// {"id": n, "items": [[tex, display], ...]} gets exactly one answer line {"id": n, "html": [...]},
// in order. One request carries all the formulas of one document, so a page costs one round trip,
// or those of several ({"documents": [formulas in each, ...]}), each with macros of its own.
//
// Usage: node katex_worker.js /path/to/node_modules/katex
"use strict";

const readline = require("readline");

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

let katex;
const katexPath = process.argv[2] || "katex";
try {
  katex = require(katexPath);
} catch (e) {
  send({ fatal: `cannot load KaTeX from ${katexPath}: ${e.message}` });
  process.exit(2);
}

// The security-relevant options. trust:false turns \href, \url, \includegraphics and \htmlClass
// into plain (red) text; maxSize and maxExpand bound what a hostile formula can cost or draw.
const BASE_OPTIONS = {
  output: "htmlAndMathml",
  throwOnError: false,
  trust: false,
  maxSize: 20,
  maxExpand: 1000,
  strict: "ignore",
};

function escapeHtml(s) {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#x27;");
}

function renderOne(tex, display, macros) {
  try {
    return katex.renderToString(String(tex), { ...BASE_OPTIONS, displayMode: !!display, macros });
  } catch (e) {
    // throwOnError:false only covers ParseError; anything else (an internal KaTeX bug, a stack
    // overflow on pathological nesting) must still cost one formula, not the document.
    return (
      `<span class="katex-error" title="${escapeHtml(e && e.message)}">` + escapeHtml(tex) + "</span>"
    );
  }
}

function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    send({ id: null, error: `bad request: ${e.message}` });
    return;
  }
  // One macro table per document: a \gdef in one formula is usable in the later ones, as in a
  // LaTeX document, but nothing leaks between documents (or between users). A request is one
  // document, or several when it says how many formulas each has ("documents": [n, ...]; the
  // abstracts of a bulk import share requests).
  const items = req.items || [];
  const sizes = Array.isArray(req.documents) ? req.documents : [items.length];
  const html = [];
  let at = 0;
  for (const size of sizes) {
    const macros = {};
    for (const [tex, display] of items.slice(at, at + size)) {
      html.push(renderOne(tex, display, macros));
    }
    at += size;
  }
  // Formulas past the documents' sizes (a malformed request) go unrendered: the answer's
  // length then differs from the request's, which the client takes for a broken worker.
  send({ id: req.id, html });
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (line.trim()) handle(line);
});
rl.on("close", () => process.exit(0));

send({ ready: true, version: katex.version });
