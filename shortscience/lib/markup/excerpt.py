"""What lists and search show of a document: its beginning, and all of it as plain text.

Read from the token stream the page was rendered from, with each formula's KaTeX output
for the page, so that nothing is rendered twice and a list's formula is the page's:

- the excerpt (plain text, ~300 characters): emails, og:description; math as text
  (mathtext.py), never TeX source; no Markdown markup.
- the excerpt as HTML (the same words and cut): lists, the moderation queue. Text
  escaped; headings, emphasis and code kept as <strong>, <em>, <code>; each formula
  KaTeX's MathML alone (MathML Core, which Chromium, Firefox and Safari draw without
  KaTeX's CSS or fonts; KaTeX's HTML would weigh ~4 KB a formula in a list of 25). The
  caller cleans it as it cleans a body.
- the whole text (plain): what search indexes and quotes in its snippets. Code, raw HTML's
  text, image descriptions and footnotes are in it; they are words a reader may look for.

A heading is set off from the text after it ("Idea — The model learns…"), a list item
from the next ("a; b"), so that nothing runs together.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from shortscience.lib.markup.mathtext import core_mathml, math_text

EXCERPT_CHARS = 300

_SPACE = re.compile(r"\s+")
_TEXT_TYPES = {"text", "text_special"}
_BREAK_TYPES = {"softbreak", "hardbreak"}
_KEPT_TAGS = {"em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>"}
_KEPT_TAGS |= {"strong_close": "</strong>", "s_open": "<del>", "s_close": "</del>"}
# A heading or list item ending in one of these needs no separator after it.
_ENDS_SENTENCE = tuple(".!?:;…\u2014\u2013")  # the last two: em and en dash
HEADING_SEPARATOR = " — "
ITEM_SEPARATOR = "; "
END_OF_LIST = "end of list"

# Elements whose content the sanitizer removes with them (sanitize.py clean_content_tags).
_HIDDEN_CONTENT = re.compile(r"<(script|style|template|textarea|title|xmp|noembed)\b", re.I)
_MATHML = re.compile(r"<math\b.*?</math>", re.DOTALL)
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_BLOCK_END = re.compile(r"</(?:p|div|li|h\d|blockquote|tr|td|th|pre|section)>|<br\s*/?>")
_DISPLAY_BLOCK = re.compile(r'(<math\b[^>]*?) display="block"')


@dataclass(frozen=True)
class Piece:
    kind: str  # "text", "math" (value: the formula's index), "tag" (value: HTML), "separator"
    value: str | int = ""


def pieces(tokens: list[Token], cites: dict, *, full: bool) -> Iterator[Piece]:
    """The document's words, formulas and kept tags in order. `full`: everything a reader
    can find on the page (for search); else only the body's prose (for an excerpt)."""
    lists = 0
    for token in tokens:
        kind = token.type
        if kind == "footnote_block_open" and not full:
            return  # footnotes come last in the stream; they are not the summary
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
            yield Piece("separator", END_OF_LIST)
        elif kind == "heading_open":
            yield Piece("tag", "<strong>")
        elif kind == "heading_close":
            yield Piece("tag", "</strong>")
            yield Piece("separator", HEADING_SEPARATOR)
        elif kind == "paragraph_close" and lists:
            yield Piece("separator", ITEM_SEPARATOR)
        elif kind == "math_block":
            yield Piece("text", " ")
            yield from _formula(token)
            yield Piece("text", " ")
        elif kind == "inline" and token.children:
            yield from _inline(token.children, cites, full=full)
        elif full and kind in ("fence", "code_block"):
            yield Piece("text", f" {token.content} ")
        elif full and kind == "html_block":
            # As the page shows it: its words if it was let through, else its source as text.
            clean = token.meta.get("clean")
            yield Piece("text", f" {token.content if clean is None else _html_words(clean)} ")
        elif token.nesting == -1 and token.block:
            yield Piece("text", " ")


def _inline(children: list[Token], cites: dict, *, full: bool) -> Iterator[Piece]:
    hidden_until = ""  # raw HTML's <script>...</script>: the sanitizer drops its content
    for child in children:
        kind = child.type
        if kind == "html_inline":
            opened = _HIDDEN_CONTENT.match(child.content)
            if hidden_until and child.content.lower().startswith(hidden_until):
                hidden_until = ""
            elif opened and not hidden_until:
                hidden_until = f"</{opened.group(1).lower()}"
            continue
        if hidden_until:
            continue
        if kind in _TEXT_TYPES:
            yield Piece("text", child.content)
        elif kind in _BREAK_TYPES:
            yield Piece("text", " ")
        elif kind == "code_inline":
            yield Piece("tag", "<code>")
            yield Piece("text", child.content)
            yield Piece("tag", "</code>")
        elif kind in _KEPT_TAGS:
            yield Piece("tag", _KEPT_TAGS[kind])
        elif kind.startswith("math_"):
            yield from _formula(child)
        elif kind == "cite":
            labels = (cites[k].label if k in cites else k for k in child.meta["keys"])
            yield Piece("text", "; ".join(labels))
        elif full and kind == "image" and child.children:
            yield Piece("text", " ")
            yield from _inline(child.children, cites, full=full)
            yield Piece("text", " ")


def _formula(token: Token) -> Iterator[Piece]:
    # parser.py notes which of the document's formulas a math token became; one that was
    # never rendered (in an image's description, which the page shows as text) has none.
    slot = token.meta.get("slot")
    if slot is not None:
        yield Piece("math", slot)


def _html_words(fragment: str) -> str:
    """The text of a fragment already cleaned (or written by us): tags out, entities decoded."""
    return html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", fragment)))


def formula_mathml(rendered: str) -> str:
    """KaTeX's MathML for one formula, inline, as KaTeX writes it with output "mathml" (its
    styled letters as Unicode's, for MathML Core); a formula KaTeX refused keeps its error
    span (it is the page's too)."""
    m = _MATHML.search(rendered)
    if m is None:
        return rendered
    inline = _DISPLAY_BLOCK.sub(r"\1", m.group(), count=1)
    return '<span class="katex">' + core_mathml(inline) + "</span>"


def formula_text(rendered: str) -> str:
    """One formula as plain text: its MathML read out; a formula KaTeX refused, as written."""
    m = _MATHML.search(rendered)
    if m is not None:
        return math_text(m.group())
    return _SPACE.sub(" ", _html_words(rendered)).strip()


@dataclass
class Excerpt:
    text: str
    html: str  # to be cleaned; formulas as placeholders: mathml[i] goes in the i-th
    mathml: list[str]


def excerpt(
    stream: Iterator[Piece],
    math_html: list[str],
    placeholder: Callable[[int], str],
    limit: int = EXCERPT_CHARS,
) -> Excerpt:
    """The first `limit` characters, cut between words and never inside a formula, as text
    and as HTML. `placeholder(i)` stands for the i-th formula in the HTML."""
    # ("text", s) | ("math", (slot, its text)) | ("tag", html)
    kept: list[tuple[str, Any]] = []
    text = ""  # the plain text of what is kept so far
    truncated = False
    for piece in stream:
        kind, value = piece.kind, piece.value
        if kind == "tag":
            kept.append(("tag", str(value)))
            continue
        if kind == "separator":
            value = _separator(kept, str(value))
            kind = "text"
        if kind == "math":
            raw = formula_text(math_html[int(value)])
            value = (int(value), raw)
        else:
            raw = _SPACE.sub(" ", str(value))
        if text.endswith(" ") or not text:
            raw = raw.lstrip(" ")
        if len(text) + len(raw) <= limit:
            text += raw
            if raw:
                kept.append((kind, raw if kind == "text" else value))
            continue
        truncated = True
        if kind == "text":
            room = raw[: limit - len(text) + 1]
            cut = room.rfind(" ")
            if cut > 0:
                kept.append(("text", room[:cut]))
            elif not text:
                kept.append(("text", room[:limit]))  # one giant word: cut it
        break
    return _finish(kept, math_html, placeholder, truncated)


def _last_text(kept: list[tuple[str, Any]]) -> str:
    for kind, value in reversed(kept):
        if kind == "math":
            return "x"  # a formula: ends like a word
        if kind == "text" and str(value).strip():
            return str(value).rstrip()
    return ""


def _separator(kept: list[tuple[str, Any]], separator: str) -> str:
    """What sets a heading or a list item off from what follows: nothing when it ends a
    sentence itself. At a list's end its last item's "; " becomes a full stop (same length,
    so an excerpt's count of characters holds)."""
    last = _last_text(kept)
    if not last:
        return ""
    if separator == END_OF_LIST:
        for i in range(len(kept) - 1, -1, -1):
            if kept[i][0] == "text" and str(kept[i][1]).strip():
                if kept[i][1] == ITEM_SEPARATOR:
                    kept[i] = ("text", ". ")
                break
        return ""
    return " " if last.endswith(_ENDS_SENTENCE) else separator


def _finish(
    kept: list[tuple[str, Any]],
    math_html: list[str],
    placeholder: Callable[[int], str],
    truncated: bool,
) -> Excerpt:
    # Drop what trails (spaces, a separator, and before an ellipsis the punctuation).
    trailing = " ,;:.—" if truncated else " ;—"
    while kept:
        kind, value = kept[-1]
        if kind == "text":
            stripped = str(value).rstrip(trailing)
            if stripped:
                kept[-1] = ("text", stripped)
                break
            kept.pop()
        elif kind == "tag" and not str(value).startswith("</"):
            kept.pop()  # an element opened with nothing in it
        else:
            break
    text_parts: list[str] = []
    html_parts: list[str] = []
    mathml: list[str] = []
    for kind, value in kept:
        if kind == "text":
            text_parts.append(str(value))
            html_parts.append(html.escape(str(value), quote=False))
        elif kind == "math":
            slot, formula = value
            text_parts.append(formula)
            html_parts.append(placeholder(len(mathml)))
            mathml.append(formula_mathml(math_html[slot]))
        else:
            html_parts.append(str(value))
    text = _SPACE.sub(" ", "".join(text_parts)).strip()
    body = "".join(html_parts).strip()
    if truncated and text:
        text += "…"
        body += "…"
    return Excerpt(text=text, html=body, mathml=mathml)


def plain_text(stream: Iterator[Piece], math_html: list[str]) -> str:
    """All of the document as one line of plain text."""
    kept: list[tuple[str, Any]] = []
    for piece in stream:
        if piece.kind == "separator":
            kept.append(("text", _separator(kept, str(piece.value))))
        elif piece.kind == "math":
            kept.append(("text", formula_text(math_html[int(piece.value)])))
        elif piece.kind == "text":
            kept.append(("text", str(piece.value)))
    return _SPACE.sub(" ", "".join(str(v) for _, v in kept)).strip()


_KATEX_HTML = '<span class="katex-html"'
_SPAN = re.compile(r"<(/?)span\b[^>]*>")


def _span_end(fragment: str, start: int) -> int:
    """Where the <span> opening at `start` closes (after its </span>), nested spans
    counted; the fragment's end if it never does."""
    depth = 0
    for tag in _SPAN.finditer(fragment, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return len(fragment)


def html_text(fragment: str) -> str:
    """A stored fragment (a typeset abstract) as one line of plain text, each formula as
    text. For what has no token stream any more; KaTeX's visual half is skipped, its
    MathML read out."""
    out: list[str] = []
    pos = 0
    while (start := fragment.find(_KATEX_HTML, pos)) >= 0:
        out.append(fragment[pos:start])
        pos = _span_end(fragment, start)
    out.append(fragment[pos:])
    # Escaped, as the text around it: "x < y" must not look like a tag to what follows.
    text = _MATHML.sub(lambda m: html.escape(math_text(m.group()), quote=False), "".join(out))
    return _SPACE.sub(" ", _html_words(text)).strip()


# KaTeX's own wrappers, exactly as it writes them (user HTML keeps no class: sanitize.py);
# "katex-error" (a refused formula, kept as the page shows it) does not match.
_KATEX_START = re.compile(r'<span class="katex(?:-display)?">')


def mathml_only(fragment: str) -> str:
    """A stored fragment with each KaTeX formula as its MathML alone (MathML Core, which
    browsers and the feed readers built on them draw without KaTeX's CSS or fonts): for
    feeds, where KaTeX's HTML half would show every formula a second time and weigh ~3 KB
    a formula. A display formula keeps KaTeX's display="block". The <annotation> (the TeX
    source, hidden by MathML renderers) stays, as on the page. One pass over the fragment."""
    out: list[str] = []
    pos = 0
    while (m := _KATEX_START.search(fragment, pos)) is not None:
        start = m.start()
        end = _span_end(fragment, start)
        math = _MATHML.search(fragment, start, end)
        out.append(fragment[pos:start])
        # KaTeX always writes its MathML; were it ever missing, the formula stays as it was.
        out.append(fragment[start:end] if math is None else core_mathml(math.group()))
        pos = end
    out.append(fragment[pos:])
    return "".join(out)
