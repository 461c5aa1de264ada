"""The Markdown dialect: CommonMark + tables, strikethrough, footnotes, TeX math, \\cite.

One MarkdownIt instance serves every render and every thread: all per-render state
(marks, collected formulas, resolved citations) lives in the `env` dict under "ss".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from mdit_py_plugins.footnote import footnote_plugin

from shortscience.lib import katex
from shortscience.lib.markup.budget import Deadline
from shortscience.lib.markup.rules import math_plugin
from shortscience.lib.markup.sanitize import Marks, clamp_math_lengths

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

    from shortscience.lib.markup import CiteTarget

# html5ever (inside nh3) spends time proportional to the depth of open elements on every
# block tag, and re-opens unclosed formatting tags in every later paragraph; raw HTML is
# the only way to get either without bound. A document may contain this many "<" in raw
# HTML (a hand-written table of a few hundred cells fits); beyond it raw HTML shows as
# text, the way CommonMark shows it with HTML turned off.
MAX_RAW_HTML_TAGS = 2000

MISSING_TITLE = "not in the library yet"


# KaTeX takes ~0.5 ms and writes ~4 KB of HTML+MathML per everyday formula, and ~160
# bytes per character of a long one. These bound what one document may ask of it (and
# store): far above a real summary, far below the worker's timeout. Formulas past a limit
# show as KaTeX errors with their source.
MAX_FORMULAS = 2000
MAX_MATH_CHARS = 100_000


@dataclass
class Context:
    marks: Marks
    cleaner: nh3.Cleaner
    cites: dict[str, CiteTarget] = field(default_factory=dict)
    # What goes to KaTeX, in one batch: (tex, display).
    math: list[tuple[str, bool]] = field(default_factory=list)
    math_chars: int = 0
    # One per placeholder: (index into math, is a block) or ready-made HTML.
    slots: list[tuple[int, bool] | str] = field(default_factory=list)
    raw_html_budget: int = MAX_RAW_HTML_TAGS
    deadline: Deadline = field(default_factory=Deadline)

    def add_math(self, tex: str, *, display: bool, block: bool) -> str:
        self.deadline.tick()
        placeholder = self.marks.math_placeholder(len(self.slots))
        if len(self.math) >= MAX_FORMULAS or self.math_chars + len(tex) > MAX_MATH_CHARS:
            self.slots.append(katex.error_span(tex, "Too much math in one document"))
        else:
            self.math.append((tex, display))
            self.math_chars += len(tex)
            self.slots.append((len(self.math) - 1, block))
        return placeholder

    def render_math(self) -> list[str]:
        """The HTML for every placeholder, from one KaTeX round trip."""
        with self.deadline.paused():  # bounded by MAX_FORMULAS instead (budget.py says why)
            return self.place_math(katex.render_many(self.math) if self.math else [])

    def place_math(self, rendered: list[str]) -> list[str]:
        """The HTML for every placeholder, given KaTeX's HTML for each of `self.math` (from
        one round trip for this document, or from one for many: render_abstracts)."""
        out = []
        for slot in self.slots:
            if isinstance(slot, str):
                out.append(slot)
                continue
            index, block = slot
            html = clamp_math_lengths(rendered[index], display=self.math[index][1])
            # A formula on its own lines gets a block wrapper to style (margins, horizontal
            # scrolling); KaTeX's own katex-display span is inside it.
            out.append(f'<div class="math-display">{html}</div>' if block else html)
        return out

    def spend_raw_html(self, content: str) -> bool:
        cost = content.count("<")
        if cost > self.raw_html_budget:
            self.raw_html_budget = 0
            return False
        self.raw_html_budget -= cost
        return True


def _ctx(env: EnvType) -> Context:
    return env["ss"]


class _Renderer(RendererHTML):
    def renderInline(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        # RendererHTML.renderInline's loop, with a tick per token: a paragraph can hold
        # tens of thousands of them.
        tick = _ctx(env).deadline.tick
        out = []
        for i, token in enumerate(tokens):
            tick()
            rule = self.rules.get(token.type)
            out.append(
                rule(tokens, i, options, env) if rule else self.renderToken(tokens, i, options, env)
            )
        html = "".join(out)
        if any(t.type == "html_inline" and t.meta.get("allowed") for t in tokens):
            # Close what the paragraph's raw HTML left open here, so no unclosed tag can
            # reach (and be re-opened in) every later block; see MAX_RAW_HTML_TAGS.
            html = _ctx(env).cleaner.clean(html)
        return html


def _tick_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    _ctx(state.env).deadline.tick()
    return False


def _tick_inline(state: StateInline, silent: bool) -> bool:
    # Runs before every inline rule is tried at a position, in the link rule's look-ahead
    # (skipToken) too, which is where nested brackets spend their time.
    _ctx(state.env).deadline.tick()
    return False


def _tick_inline2(state: StateInline) -> None:
    _ctx(state.env).deadline.tick()


def _render_math(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    display = token.type != "math_inline"
    ctx = _ctx(env)
    token.meta["slot"] = len(ctx.slots)  # which formula it is: the excerpt reads it back
    return ctx.add_math(token.content, display=display, block=False)


def _render_math_block(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    ctx = _ctx(env)
    tokens[idx].meta["slot"] = len(ctx.slots)
    return ctx.add_math(tokens[idx].content, display=True, block=True) + "\n"


def _render_cite(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    ctx = _ctx(env)
    out = []
    for key in tokens[idx].meta["keys"]:
        target = ctx.cites.get(key)
        if target is None:
            out.append(
                f'<span class="{ctx.marks.klass("cite-missing")}" title="{MISSING_TITLE}">'
                f"{escapeHtml(key)} ({MISSING_TITLE})</span>"
            )
        else:
            out.append(
                f'<a class="{ctx.marks.klass("cite")}" href="{escapeHtml(target.url)}" '
                f'title="{escapeHtml(target.title)}">{escapeHtml(target.label)}</a>'
            )
    return "; ".join(out)


def _render_html_inline(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if _ctx(env).spend_raw_html(token.content):
        token.meta["allowed"] = True
        return token.content
    return escapeHtml(token.content)


def _render_html_block(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    ctx = _ctx(env)
    content = tokens[idx].content
    if ctx.spend_raw_html(content):
        # Cleaned on its own so that it is balanced before it meets the rest of the page.
        # Kept for the document's plain text (excerpt.py), which must not clean it again.
        tokens[idx].meta["clean"] = ctx.cleaner.clean(content)
        return tokens[idx].meta["clean"] + "\n"
    return f"<p>{escapeHtml(content)}</p>\n"


# Footnotes: markdown-it-footnote's markup, with our marks on every id and class so they
# survive the sanitizer (user HTML gets no id at all) and take the caller's id_prefix.


def _fn_name(tokens: Sequence[Token], idx: int, env: EnvType) -> str:
    return f"{_ctx(env).marks.ident}fn{tokens[idx].meta['id'] + 1}"


def _fn_sub(tokens: Sequence[Token], idx: int) -> str:
    sub = tokens[idx].meta.get("subId", -1)
    return f"-{sub}" if sub > 0 else ""


def _render_footnote_ref(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    marks = _ctx(env).marks
    n = tokens[idx].meta["id"] + 1
    sub = tokens[idx].meta.get("subId", -1)
    caption = f"[{n}:{sub}]" if sub > 0 else f"[{n}]"
    name = _fn_name(tokens, idx, env)
    ref_id = f"{marks.ident}fnref{n}{_fn_sub(tokens, idx)}"
    return f'<sup class="{marks.klass("footnote-ref")}"><a href="#{name}" id="{ref_id}">{caption}</a></sup>'


def _render_footnote_block_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    marks = _ctx(env).marks
    return (
        f'<hr class="{marks.klass("footnotes-sep")}">\n'
        f'<section class="{marks.klass("footnotes")}">\n'
        f'<ol class="{marks.klass("footnotes-list")}">\n'
    )


def _render_footnote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    marks = _ctx(env).marks
    return f'<li id="{_fn_name(tokens, idx, env)}{_fn_sub(tokens, idx)}" class="{marks.klass("footnote-item")}">'


def _render_footnote_anchor(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    marks = _ctx(env).marks
    n = tokens[idx].meta["id"] + 1
    ref_id = f"{marks.ident}fnref{n}{_fn_sub(tokens, idx)}"
    # U+FE0E keeps iOS from drawing the arrow as an emoji.
    return f' <a href="#{ref_id}" class="{marks.klass("footnote-backref")}">\u21a9\ufe0e</a>'


def build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough"])
    footnote_plugin(md)
    math_plugin(md)
    for name in ("math_inline", "math_display"):
        md.add_render_rule(name, _render_math)
    md.add_render_rule("math_block", _render_math_block)
    md.add_render_rule("cite", _render_cite)
    md.add_render_rule("html_inline", _render_html_inline)
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", _render_footnote_block_open)
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    # First in each chain, so that the budget is checked as the parse goes (budget.py).
    # In the paragraph's chain too: a paragraph of 50,000 lines asks it about every line.
    md.block.ruler.before(
        md.block.ruler.get_all_rules()[0],
        "deadline",
        _tick_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.inline.ruler.before(md.inline.ruler.get_all_rules()[0], "deadline", _tick_inline)
    md.inline.ruler2.before(md.inline.ruler2.get_all_rules()[0], "deadline", _tick_inline2)
    # Rulers compile their rule chains on first use, and a thread that reads a chain while
    # another is compiling it can see it empty; compile them now, before any thread exists.
    for ruler in (md.core.ruler, md.block.ruler, md.inline.ruler, md.inline.ruler2):
        ruler.getRules("")
    return md


def prepare(tokens: list[Token], ctx: Context) -> list[str]:
    """Adjust the token stream for this site and return the \\cite keys, in order.

    Headings move down two levels (# -> h3, capped at h6): the page owns h1 (the paper's
    title) and h2 (its sections). Nor does a heading go more than one level below the one
    before it (a summary starting with ### is h3, not h5): screen readers navigate by
    heading level, and a skipped level reads as a missing section (axe's heading-order).
    Table alignment becomes a class, since no style attribute passes the sanitizer.
    """
    keys: dict[str, None] = {}
    level = 2  # the page's own sections
    for token in tokens:
        if token.type == "heading_open":
            level = min(int(token.tag[1:]) + 2, level + 1, 6)
            token.tag = f"h{level}"
        elif token.type == "heading_close":
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet(
                    "class", ctx.marks.klass("align-" + style.removeprefix("text-align:"))
                )
        elif token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "cite":
                    for key in child.meta["keys"]:
                        keys.setdefault(key, None)
    return list(keys)
