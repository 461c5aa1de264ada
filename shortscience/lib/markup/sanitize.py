"""The allow-list every rendered fragment passes through, and the marks that let our own
markup through it.

Users may write raw HTML, so the sanitizer cannot tell our `<span class="cite-missing">`
or footnote `id="fn1"` from a user's copy of them by looking. Instead every class and id
we emit carries a per-render random mark (`Marks`); the attribute filter keeps a class or
id only if it carries the mark, and the marks are stripped after cleaning. A user cannot
guess the mark, so user HTML keeps no class and no id at all.

Math never goes through the sanitizer: the Markdown output holds an empty, marked
`<span>` per formula, and KaTeX's output replaces it after cleaning. Only a real element
serializes as exactly `<span class="MARK7"></span>`; the same text in an attribute or in
text would come out escaped, so a user cannot steer KaTeX's HTML into an attribute.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h3", "h4", "h5", "h6", "em", "strong", "del", "s", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
        "sup", "sub", "section", "span",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "id"},
    "img": {"src", "alt", "title"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "span": {"class"},
    "sup": {"class"},
    "section": {"class"},
    "hr": {"class"},
    "th": {"class"},
    "td": {"class"},
    "code": {"class"},
}

URL_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"

# Fenced code's info string becomes class="language-x"; harmless for a user to choose,
# and it is what syntax-highlighting CSS keys on.
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_SAFE_ID = re.compile(r"[A-Za-z0-9_:-]{1,80}")
_DIGITS = re.compile(r"\d{1,9}")


@dataclass
class Marks:
    """Per-render secrets that tag our own classes, ids and math placeholders."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def cls(self) -> str:
        return f"c{self.nonce}-"

    @property
    def ident(self) -> str:
        return f"i{self.nonce}-"

    @property
    def math(self) -> str:
        return f"m{self.nonce}-"

    def klass(self, *names: str) -> str:
        """A class attribute value whose classes survive the sanitizer."""
        return " ".join(self.cls + name for name in names)

    def math_placeholder(self, index: int) -> str:
        return f'<span class="{self.math}{index}"></span>'


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _url_scheme(value: str) -> str:
    """The scheme a lenient reader could see: nh3 already judged the URL by the standard,
    which keeps "\u2028javascript:x" as a harmless relative path; refusing it as well
    costs nothing and guards against a URL parser more forgiving than the standard."""
    squeezed = "".join(
        c for c in value if not (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zs"))
    )
    m = _SCHEME.match(squeezed)
    return m.group(1).lower() if m else ""


def make_cleaner(marks: Marks) -> nh3.Cleaner:
    cls_mark, id_mark, math_mark = marks.cls, marks.ident, marks.math

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        # Must never raise: nh3 reports exceptions as "unraisable" and drops the attribute.
        if attr == "class":
            kept = [
                c
                for c in value.split()
                if c.startswith((cls_mark, math_mark))
                or (tag == "code" and _LANGUAGE_CLASS.fullmatch(c))
            ]
            return " ".join(kept) or None
        if attr == "id":
            if value.startswith(id_mark) and _SAFE_ID.fullmatch(value[len(id_mark) :]):
                return value
            return None
        if attr == "src":
            return value if _url_scheme(value) in ("", *IMAGE_SCHEMES) else None
        if attr == "href":
            return value if _url_scheme(value) in ("", *URL_SCHEMES) else None
        if attr == "start":
            return value if _DIGITS.fullmatch(value.strip()) else None
        return value

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "textarea", "title", "xmp", "noembed"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(URL_SCHEMES),
        url_relative="pass_through",
    )


# KaTeX lays a formula out with lengths in style attributes, and a size the formula asks for
# (\kern, \hspace, \mkern, \hskip, \raisebox, \rule) lands there as written: its maxSize
# option (lib/katex_worker.js) caps positive sizes only, so `a\kern-500em b` comes out as
# margin-right:-500em, and inline math, which nothing clips, draws over the rest of the page.
# Each length is held within bounds, by what it does:
#  - sideways moves (margins, left, right), in any formula: KaTeX's own stay under 5em
#    (its screenshot catalogue), \qquad is 2em and \hspace{3cm} 8.5em;
#  - any other length in inline math: KaTeX's maxSize (20em), negative ones included;
#  - any other length in display math, which the stylesheet clips to its own box
#    (.math-display, .katex-display): only a bound against a page made mostly of blank.
#    Heights grow with rows (30 rows of fractions: 78em), so it is generous.
# A bound per length, not per formula: fifty \kern-10em still add up, and \llap or \smash
# move things without any length; only the stylesheet can keep all of that inside a
# summary's box. This keeps the single huge value, the cheap attack, out.
MATH_MAX_OFFSET_EM = 10.0
MATH_MAX_INLINE_EM = 20.0
MATH_MAX_DISPLAY_EM = 500.0
_OFFSET_PROPERTIES = ("margin", "left", "right")

# CSS lengths in em; KaTeX's ex is 0.431em, its pt a tenth of an em; px as at 16px a em.
_EM_PER_UNIT = {"em": 1.0, "ex": 0.431, "pt": 0.1, "px": 1 / 16}
_STYLE_ATTRIBUTE = re.compile(r'(\sstyle=")([^"]*)(")')
_LENGTH = re.compile(
    r"(?<![\w.#])(-?)((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|Infinity)(em|ex|pt|px)\b"
)
# Where _LENGTH could find a number of 10 or more, the smallest bound in em (no unit makes a
# number bigger in em than it is: _EM_PER_UNIT <= 1): two digits before any point, an
# exponent, or Infinity; with or without a unit after it.
assert min(MATH_MAX_OFFSET_EM, MATH_MAX_INLINE_EM, MATH_MAX_DISPLAY_EM) >= 10
assert max(_EM_PER_UNIT.values()) <= 1
_MAYBE_OVER_A_BOUND = re.compile(
    r"(?<![\w.#])-?(?:\d\d|\d+(?:\.\d*)?e[+-]?\d|\.\d+e[+-]?\d|Infinity)"
)


def clamp_math_lengths(html: str, *, display: bool) -> str:
    """KaTeX's HTML for one formula, every em/ex/pt/px length in its style attributes held
    within the bounds above (KaTeX escapes a formula's text, so `style="` is an attribute)."""
    # Most formulas have no length near any bound: one scan of the whole HTML for a number
    # that could be over the smallest (a number outside a style attribute, or one just over
    # a digit, only sends the formula the long way) spares them the walk through every
    # declaration, three quarters of their share of a bulk import's typesetting.
    if not _MAYBE_OVER_A_BOUND.search(html):
        return html
    other_bound = MATH_MAX_DISPLAY_EM if display else MATH_MAX_INLINE_EM

    def declaration(decl: str) -> str:
        name, colon, value = decl.partition(":")
        if not colon:
            return decl
        prop = name.strip().lower()
        bound = MATH_MAX_OFFSET_EM if prop.startswith(_OFFSET_PROPERTIES) else other_bound

        def length(m: re.Match[str]) -> str:
            sign, number, unit = m.groups()
            limit = bound / _EM_PER_UNIT[unit]
            if float(number) <= limit:
                return m.group(0)
            return f"{sign}{limit:g}{unit}"

        return name + colon + _LENGTH.sub(length, value)

    def attribute(m: re.Match[str]) -> str:
        style = ";".join(declaration(d) for d in m.group(2).split(";"))
        return m.group(1) + style + m.group(3)

    return _STYLE_ATTRIBUTE.sub(attribute, html)


# Marks.math_placeholder() of any render: one pattern compiled once, where a pattern with
# this render's nonce in it cost a regex compilation per document (a third of a bulk
# import's typesetting).
_MATH_PLACEHOLDER = re.compile(r'<span class="m([0-9a-f]+)-(\d+)"></span>')


def finish(cleaned: str, marks: Marks, math_html: list[str], id_prefix: str) -> str:
    """Put the math into the cleaned HTML and turn the marks into the final names."""
    if math_html:

        def put_back(m: re.Match[str]) -> str:
            if m.group(1) != marks.nonce:
                return m.group(0)  # not this render's placeholder: text like any other
            i = int(m.group(2))
            return math_html[i] if i < len(math_html) else ""

        cleaned = _MATH_PLACEHOLDER.sub(put_back, cleaned)
    return cleaned.replace(marks.cls, "").replace(marks.ident, id_prefix)
