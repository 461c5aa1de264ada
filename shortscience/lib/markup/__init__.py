"""The markup pipeline every piece of user text goes through.

    Markdown + math  --markdown-it-->  HTML with math placeholders
                     --nh3 allow-list-->  clean HTML
                     --KaTeX (node)-->  placeholders replaced by server-rendered math

Rendering happens once, on save; the result is stored and shown as is. Math is kept out
of the sanitizer's way (KaTeX's MathML and inline styles would not survive an allow-list
meant for users), and user HTML is kept out of KaTeX's way (see sanitize.py for how).

Framework-free on purpose: no Django import, so the importers, the management commands
and the benchmarks can all use it.

Each render function takes a `budget`: seconds of this thread's CPU time the text may cost
(the caller reads it from settings.MARKUP_BUDGET_SECONDS). A text that would cost more
raises TooCostly part way, instead of holding a worker for seconds; budget.py says how.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from shortscience.lib import katex
from shortscience.lib.markup import excerpt, parser
from shortscience.lib.markup.budget import Deadline, TooCostly
from shortscience.lib.markup.excerpt import html_text
from shortscience.lib.markup.sanitize import Marks, finish, make_cleaner

__all__ = [
    "CiteTarget",
    "Rendered",
    "TooCostly",
    "abstract_has_work",
    "html_text",
    "plain_html",
    "render",
    "render_abstract",
    "render_abstracts",
    "render_plain",
    "render_title",
]


@dataclass(frozen=True)
class CiteTarget:
    url: str  # e.g. "/paper/12/attention-is-all-you-need"
    label: str  # link text, e.g. "Vaswani et al. 2017"
    title: str  # paper title, used as the link's title attribute


@dataclass
class Rendered:
    html: str  # sanitized HTML fragment, safe to store and show as-is
    excerpt: str  # plain text of the first ~300 chars (math as text, no markup): emails, meta tags
    cite_keys: list[str]  # every \cite key found, in order, deduplicated
    excerpt_html: str = ""  # the same excerpt as sanitized HTML, math as MathML: lists
    text: str = ""  # all of it as plain text, math as text: what search indexes and quotes


_md = parser.build()
_ID_PREFIX = re.compile(r"[A-Za-z0-9_-]*")


def render(
    text: str,
    *,
    resolve_cites: Callable[[list[str]], dict[str, CiteTarget]] | None = None,
    id_prefix: str = "",
    budget: float | None = None,
) -> Rendered:
    """Render a summary (or comment) body to stored HTML.

    resolve_cites gets every \\cite key of the document in one call (one query for the
    caller), and is not called at all when there is none. id_prefix goes in front of the
    footnote ids so that two summaries on one page do not share "fn1". Over `budget`
    seconds of CPU: TooCostly.
    """
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must be letters, digits, '-' or '_': {id_prefix!r}")
    deadline = Deadline(budget)
    text = _valid_unicode(text)
    marks = Marks()
    ctx = parser.Context(marks=marks, cleaner=make_cleaner(marks), deadline=deadline)
    env = {"ss": ctx}
    tokens = _md.parse(text, env)
    deadline.check()
    keys = parser.prepare(tokens, ctx)
    if keys and resolve_cites is not None:
        # One look-up whatever the number of keys, and not markup's work: not counted (on
        # PostgreSQL its time is the server's anyway, never this thread's).
        with deadline.paused():
            ctx.cites = dict(resolve_cites(list(keys)))
    raw = _md.renderer.render(tokens, _md.options, env)
    math_html = ctx.render_math()
    # Between the steps that cannot stop part way (the sanitizer is one call into Rust).
    deadline.check()
    body = finish(ctx.cleaner.clean(raw), marks, math_html, id_prefix)
    deadline.check()
    short = excerpt.excerpt(
        deadline.metered(excerpt.pieces(tokens, ctx.cites, full=False)),
        math_html,
        marks.math_placeholder,
    )
    full = deadline.metered(excerpt.pieces(tokens, ctx.cites, full=True))
    return Rendered(
        html=body,
        excerpt=short.text,
        cite_keys=keys,
        # Cleaned as a body is, the formulas put in after (sanitize.py says why).
        excerpt_html=finish(ctx.cleaner.clean(short.html), marks, short.mathml, ""),
        text=excerpt.plain_text(full, math_html),
    )


def render_plain(text: str) -> Rendered:
    """`text` as a render() of plain text would give it: no Markdown and no math, its
    excerpts and search text its words as written. For a stored text that would cost more
    than the budget now (rerender_markup), cheap for any text."""
    text = _valid_unicode(text)
    words = [excerpt.Piece("text", text)]
    short = excerpt.excerpt(iter(words), [], lambda i: "")
    return Rendered(
        html=plain_html(text),
        excerpt=short.text,
        cite_keys=[],
        excerpt_html=short.html,  # escaped text: nothing in it to clean
        text=excerpt.plain_text(iter(words), []),
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_unicode(text: str) -> str:
    """Replace lone surrogates (which no UTF-8 consumer, nh3 included, accepts) with U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


# Tokens inside \\ or outside math in plain text with TeX math (an arXiv abstract, a title;
# the BibTeX export reads titles by it too): an escaped backslash, an escaped dollar,
# $$display$$, $inline$. Scanning left to right keeps "\\$" from opening math.
PLAIN_TEXT_MATH = re.compile(r"\\\\|\\\$|\$\$(.+?)\$\$|\$((?:[^$\\]|\\.)+?)\$", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
# What only the full path of an abstract handles: math and TeX escapes, and the two
# characters the sanitizer's HTML parser rewrites (a carriage return, NUL). Without them,
# the full path's output is plain_html()'s: arXiv's abstracts are mostly such (about 9 in
# 10 in the recorded responses), and a bulk import of millions need not parse them.
_NEEDS_TYPESETTING = ("$", "\\", "\r", "\x00")  # each found by a memchr-speed `in`
# Formulas per KaTeX request when many abstracts share one (render_abstracts): a few
# hundred milliseconds of the worker's time, far inside its timeout, and a request that
# failed would cost only the formulas it carried.
MATH_PER_REQUEST = 500


def abstract_has_work(text: str) -> bool:
    """Whether render_abstract() has more to do than plain_html(): math, TeX escapes, or
    what the sanitizer rewrites."""
    return any(c in text for c in _NEEDS_TYPESETTING)


def render_abstract(text: str, *, budget: float | None = None) -> str:
    """Plain text with math (as in arXiv abstracts: $..$ and $$..$$): escape the text, typeset the math,
    blank lines make paragraphs. No Markdown. Returns sanitized HTML. Over `budget`
    seconds of CPU: TooCostly (plain_html is what to show instead)."""
    html_out = render_abstracts([text], budget=budget)[0]
    if html_out is None:
        raise TooCostly(budget or 0.0)
    return html_out


def render_abstracts(texts: list[str], *, budget: float | None = None) -> list[str | None]:
    """render_abstract() of each text, the same HTML, with the math of all of them sent to
    KaTeX in a few requests instead of one each: what a bulk import stores. None for a
    text over `budget` seconds of CPU (its own; show plain_html instead)."""
    out: list[str | None] = [None] * len(texts)
    typeset: list[tuple[int, parser.Context, str]] = []
    for i, text in enumerate(texts):
        if not abstract_has_work(text):
            out[i] = plain_html(text)
            continue
        text = _valid_unicode(text)
        # Abstracts are TeX, not Markdown: every unescaped $ is math (arXiv's "$\sim$10%" has a
        # digit after the closing $, which Pandoc's rules would refuse).
        marks = Marks()
        ctx = parser.Context(marks=marks, cleaner=make_cleaner(marks), deadline=Deadline(budget))
        paragraphs = []
        try:
            for para in _BLANK_LINE.split(text.replace("\r\n", "\n").strip()):
                ctx.deadline.tick()
                para_html = _typeset(para, ctx, display=True)
                if para_html.strip():
                    paragraphs.append("<p>" + para_html.strip() + "</p>")
            ctx.deadline.check()
        except TooCostly:
            continue
        typeset.append((i, ctx, "\n".join(paragraphs)))
    for (i, ctx, raw), rendered in zip(typeset, _math_of([c for _, c, _ in typeset]), strict=True):
        out[i] = finish(ctx.cleaner.clean(raw), ctx.marks, ctx.place_math(rendered), "")
    return out


def _math_of(contexts: list[parser.Context]) -> list[list[str]]:
    """KaTeX's HTML for each context's formulas, from requests of about MATH_PER_REQUEST
    formulas (a context's formulas stay in one request)."""
    out: list[list[str]] = []
    group: list[parser.Context] = []

    def send() -> None:
        items = [m for ctx in group for m in ctx.math]
        # Each abstract a document of its own: a \gdef in one does not reach the next.
        rendered = katex.render_many(items, [len(ctx.math) for ctx in group]) if items else []
        at = 0
        for ctx in group:
            out.append(rendered[at : at + len(ctx.math)])
            at += len(ctx.math)
        group.clear()

    formulas = 0
    for ctx in contexts:
        if group and formulas + len(ctx.math) > MATH_PER_REQUEST:
            send()
            formulas = 0
        group.append(ctx)
        formulas += len(ctx.math)
    send()
    return out


def plain_html(text: str) -> str:
    """`text` as HTML without markup or math: escaped, blank lines make paragraphs. What is
    shown of a text that would cost too much to render (TooCostly), and what an abstract
    without math is (render_abstracts): the no-break space written as the sanitizer writes it."""
    ascii = text.isascii()  # most are: no surrogate and no no-break space to look for
    paragraphs = _BLANK_LINE.split(
        (text if ascii else _valid_unicode(text)).replace("\r\n", "\n").strip()
    )
    out = "\n".join(
        f"<p>{html.escape(p.strip(), quote=False)}</p>" for p in paragraphs if p.strip()
    )
    return out if ascii else out.replace("\xa0", "&nbsp;")


def render_title(text: str, *, budget: float | None = None) -> str:
    """A paper's title with its math typeset, by the abstracts' rules ($..$ is math, \\$ a
    dollar, no Markdown), inline: no paragraph, and $$..$$ set inline too (a title is one
    line). Returns sanitized HTML, or "" for a title without a "$", which is shown as its
    text: most titles, and no KaTeX round trip for them. Over `budget` seconds of CPU:
    TooCostly (show the text, as for "")."""
    text = _valid_unicode(" ".join(text.split()))
    if "$" not in text:
        return ""
    marks = Marks()
    ctx = parser.Context(marks=marks, cleaner=make_cleaner(marks), deadline=Deadline(budget))
    raw = _typeset(text, ctx, display=False)
    math_html = ctx.render_math()
    ctx.deadline.check()
    return finish(ctx.cleaner.clean(raw), marks, math_html, "")


def _typeset(text: str, ctx: parser.Context, *, display: bool) -> str:
    """`text` escaped, each formula in it a placeholder for `ctx`'s math (`display`: $$..$$
    as display math)."""
    out = []
    pos = 0
    for m in PLAIN_TEXT_MATH.finditer(text):
        ctx.deadline.tick()
        out.append(html.escape(text[pos : m.start()], quote=False))
        pos = m.end()
        if m.group(1) is not None:
            out.append(ctx.add_math(m.group(1).strip(), display=display, block=False))
        elif m.group(2) is not None:
            out.append(ctx.add_math(m.group(2).strip(), display=False, block=False))
        else:
            out.append(html.escape(m.group(0)[1:], quote=False))
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)
