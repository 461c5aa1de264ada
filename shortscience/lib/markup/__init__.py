"""The markup pipeline every piece of user text goes through.

    Markdown + math  --markdown-it-->  HTML with math placeholders
                     --nh3 allow-list-->  clean HTML
                     --KaTeX (node)-->  placeholders replaced by server-rendered math

Rendering happens once, on save; the result is stored and shown as is. Math is kept out
of the sanitizer's way (KaTeX's MathML and inline styles would not survive an allow-list
meant for users), and user HTML is kept out of KaTeX's way (see sanitize.py for how).

Framework-free on purpose: no Django import, so the importers, the management commands
and the benchmarks can all use it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.token import Token

from shortscience.lib.markup import parser
from shortscience.lib.markup.sanitize import Marks, finish, make_cleaner

__all__ = ["CiteTarget", "Rendered", "render", "render_abstract"]

EXCERPT_CHARS = 300


@dataclass(frozen=True)
class CiteTarget:
    url: str  # e.g. "/paper/12/attention-is-all-you-need"
    label: str  # link text, e.g. "Vaswani et al. 2017"
    title: str  # paper title, used as the link's title attribute


@dataclass
class Rendered:
    html: str  # sanitized HTML fragment, safe to store and show as-is
    excerpt: str  # plain text (no HTML) of the first ~300 chars, math shown as $tex$, for lists
    cite_keys: list[str]  # every \cite key found, in order, deduplicated


_md = parser.build()
_ID_PREFIX = re.compile(r"[A-Za-z0-9_-]*")


def render(
    text: str,
    *,
    resolve_cites: Callable[[list[str]], dict[str, CiteTarget]] | None = None,
    id_prefix: str = "",
) -> Rendered:
    """Render a summary (or comment) body to stored HTML.

    resolve_cites gets every \\cite key of the document in one call (one query for the
    caller), and is not called at all when there is none. id_prefix goes in front of the
    footnote ids so that two summaries on one page do not share "fn1".
    """
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must be letters, digits, '-' or '_': {id_prefix!r}")
    text = _valid_unicode(text)
    marks = Marks()
    ctx = parser.Context(marks=marks, cleaner=make_cleaner(marks))
    env = {"ss": ctx}
    tokens = _md.parse(text, env)
    keys = parser.prepare(tokens, ctx)
    if keys and resolve_cites is not None:
        ctx.cites = dict(resolve_cites(list(keys)))
    raw = _md.renderer.render(tokens, _md.options, env)
    body = finish(ctx.cleaner.clean(raw), marks, ctx.render_math(), id_prefix)
    return Rendered(html=body, excerpt=_excerpt(tokens, ctx), cite_keys=keys)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_unicode(text: str) -> str:
    """Replace lone surrogates (which no UTF-8 consumer, nh3 included, accepts) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


# Tokens inside \\ or outside math in an arXiv abstract: an escaped backslash, an escaped
# dollar, $$display$$, $inline$. Scanning left to right keeps "\\$" from opening math.
_ABSTRACT_MATH = re.compile(r"\\\\|\\\$|\$\$(.+?)\$\$|\$((?:[^$\\]|\\.)+?)\$", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def render_abstract(text: str) -> str:
    """Plain text with math (as in arXiv abstracts: $..$ and $$..$$): escape the text, typeset the math,
    blank lines make paragraphs. No Markdown. Returns sanitized HTML."""
    # Abstracts are TeX, not Markdown: every unescaped $ is math (arXiv's "$\sim$10%" has a
    # digit after the closing $, which Pandoc's rules would refuse).
    text = _valid_unicode(text)
    marks = Marks()
    ctx = parser.Context(marks=marks, cleaner=make_cleaner(marks))
    paragraphs = []
    for para in _BLANK_LINE.split(text.replace("\r\n", "\n").strip()):
        out = []
        pos = 0
        for m in _ABSTRACT_MATH.finditer(para):
            out.append(html.escape(para[pos : m.start()], quote=False))
            pos = m.end()
            if m.group(1) is not None:
                out.append(ctx.add_math(m.group(1).strip(), display=True, block=False))
            elif m.group(2) is not None:
                out.append(ctx.add_math(m.group(2).strip(), display=False, block=False))
            else:
                out.append(html.escape(m.group(0)[1:], quote=False))
        out.append(html.escape(para[pos:], quote=False))
        if "".join(out).strip():
            paragraphs.append("<p>" + "".join(out).strip() + "</p>")
    raw = "\n".join(paragraphs)
    return finish(ctx.cleaner.clean(raw), marks, ctx.render_math(), "")


_SPACE = re.compile(r"\s+")
_TEXT_TYPES = {"text", "text_special", "code_inline"}
_BREAK_TYPES = {"softbreak", "hardbreak"}


def _excerpt(tokens: list[Token], ctx: parser.Context) -> str:
    """The first ~300 characters as plain text, cut between words and never inside a formula."""
    pieces: list[tuple[str, bool]] = []  # (text, is_math)
    length = 0

    def add(text: str, is_math: bool) -> None:
        nonlocal length
        pieces.append((text, is_math))
        length += len(text)

    for token in tokens:
        # Collect a little more than needed (the cut below happens between words), and
        # never walk the rest of a megabyte document.
        if length > 2 * EXCERPT_CHARS or token.type == "footnote_block_open":
            break  # footnotes come last in the stream; they are not the summary
        if token.type == "math_block":
            add(" ", False)
            add(f"${token.content}$", True)
            add(" ", False)
        elif token.type == "inline" and token.children:
            for child in token.children:
                if length > 2 * EXCERPT_CHARS:
                    break
                if child.type in _TEXT_TYPES:
                    add(child.content, False)
                elif child.type in _BREAK_TYPES:
                    add(" ", False)
                elif child.type.startswith("math_"):
                    add(f"${child.content}$", True)
                elif child.type == "cite":
                    keys = child.meta["keys"]
                    add("; ".join(ctx.cites[k].label if k in ctx.cites else k for k in keys), False)
        elif token.nesting == -1 and token.block:
            add(" ", False)

    out = ""
    truncated = False
    for raw, is_math in pieces:
        piece = _SPACE.sub(" ", raw)
        if out.endswith(" ") or not out:
            piece = piece.lstrip(" ")
        if len(out) + len(piece) <= EXCERPT_CHARS:
            out += piece
            continue
        truncated = True
        if not is_math:
            room = piece[: EXCERPT_CHARS - len(out) + 1]
            cut = room.rfind(" ")
            if cut > 0:
                out += room[:cut]
            elif not out:
                out = room[:EXCERPT_CHARS]  # one giant word: cut it
        break
    out = out.strip()
    if truncated:
        out = out.rstrip(" ,;:.") + "…"
    return out
