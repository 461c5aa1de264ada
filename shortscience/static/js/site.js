// Boxes that scroll sideways inside the text (formulas, code blocks, tables) can be
// scrolled with a keyboard only when they take focus. The ones that do overflow get
// tabindex="0", and lose it when the window grows wide enough; a box that fits is no extra
// tab stop. Runs again when a page inserts rendered Markdown (the editor's preview, a comment
// posted in place). Without JavaScript the boxes still scroll by touch, wheel and trackpad.
(function () {
  "use strict";
  var SELECTOR = ".katex-display, .markup pre, main table, .table-scroll";
  var pending = false;

  function mark() {
    pending = false;
    var boxes = Array.prototype.slice.call(document.querySelectorAll(SELECTOR));
    // Math set as MathML alone (excerpts, titles): its .katex wrapper is the scrolling box.
    var formulas = document.querySelectorAll(".katex > math");
    for (var j = 0; j < formulas.length; j++) boxes.push(formulas[j].parentNode);
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!overflows && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    }
  }

  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(mark);
  }

  schedule();
  window.addEventListener("resize", schedule);
  // Web fonts (KaTeX's) change the width of formulas once they load.
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(schedule);
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      if (records[i].addedNodes.length) return schedule();
    }
  }).observe(document.body, { childList: true, subtree: true });
})();

// Math that a page's script inserts (the editor's preview, a comment's, a comment posted in
// place) comes with KaTeX's styles in data-style (web/csp.py, for_script): the page's
// Content-Security-Policy lets no style attribute apply (style-src-attr 'none'). Set through
// the CSSOM, which the policy does not govern, they position the math again.
(function () {
  "use strict";
  function restyle(element) {
    element.style.cssText = element.getAttribute("data-style");
    element.removeAttribute("data-style");
  }
  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var added = records[i].addedNodes;
      for (var j = 0; j < added.length; j++) {
        if (added[j].nodeType !== 1) continue;
        if (added[j].hasAttribute("data-style")) restyle(added[j]);
        var styled = added[j].querySelectorAll("[data-style]");
        for (var k = 0; k < styled.length; k++) restyle(styled[k]);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
