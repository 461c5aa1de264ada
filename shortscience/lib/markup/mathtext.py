"""A formula as plain text, read from the MathML KaTeX wrote for it.

Plain text (emails, og:description, the moderation queue, search snippets) cannot show a
formula typeset, and must not show its TeX source. KaTeX has already parsed the TeX (macros,
\\operatorname, \\mathbb and all) into MathML whose leaves are Unicode characters, so the
text is that tree read out in one line: sub- and superscripts as Unicode small letters where
every character has one (n², xᵢ, Kᵀ), else _(…) and ^(…); fractions as a/b, roots as √,
accents as combining marks (θ̂), \\mathbb and friends as Unicode's mathematical letters (𝔼).
The annotation (the TeX source) is never read.
"""

from __future__ import annotations

# ruff: noqa: RUF001, RUF002, RUF003 -- the look-alike characters are the point: the text of math.
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["core_mathml", "math_text"]

# KaTeX writes every attribute in double quotes and escapes text and attribute values, so
# a tag is "<", a name, quoted attributes, ">": this reads all of its MathML.
_TOKEN = re.compile(
    r'<(/?)([A-Za-z][\w:-]*)((?:\s+[^\s=/>"]+(?:\s*=\s*"[^"]*")?)*)\s*(/?)>|([^<]+)|<'
)
_ATTR = re.compile(r'([^\s=/>"]+)(?:\s*=\s*"([^"]*)")?')


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)
    kids: list[_Node] = field(default_factory=list)  # the children that are elements

    def elements(self) -> list[_Node]:
        return self.kids


def _parse(mathml: str) -> _Node:
    root = _Node("", {})
    stack = [root]
    for m in _TOKEN.finditer(mathml):
        closing, tag, attrs, self_closing, text = m.groups()
        if text is not None:
            stack[-1].children.append(html.unescape(text))
        elif tag is None:
            stack[-1].children.append("<")  # a stray "<": text
        elif closing:
            tag = tag.lower()
            # Close up to the matching element; a stray end tag closes nothing.
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    break
        else:
            node = _Node(
                tag.lower(),
                {k.lower(): html.unescape(v or "") for k, v in _ATTR.findall(attrs or "")},
            )
            stack[-1].children.append(node)
            stack[-1].kids.append(node)
            if not self_closing:
                stack.append(node)
    return root


_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVW⊤αβγδεθφϕχ′″‴*∗†'",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵀᵅᵝᵞᵟᵋᶿᵠᵠᵡ′″‴**†′",
        strict=True,
    )
)
_SUBSCRIPTS = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφϕχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵩᵪ",
        strict=True,
    )
)

# An accent over (or under) its base, as a combining mark after each character it covers.
_COMBINING = {
    "^": "\u0302",
    "ˆ": "\u0302",
    "~": "\u0303",
    "˜": "\u0303",
    "ˉ": "\u0304",
    "¯": "\u0304",
    "‾": "\u0305",
    "⃗": "\u20d7",
    "→": "\u20d7",
    "˙": "\u0307",
    "¨": "\u0308",
    "ˇ": "\u030c",
    "˘": "\u0306",
    "ˊ": "\u0301",
    "ˋ": "\u0300",
    "˚": "\u030a",
}
_UNDER_COMBINING = {"‾": "\u0332", "_": "\u0332"}
_BRACES = frozenset("⏟⏞︸︷")  # \underbrace, \overbrace: the label alone says enough

# Relations read better with a space on each side: "p(x) = 1", "i ≤ n".
_RELATIONS = frozenset("=<>≤≥≠≈≡∼≃≅∝∈∉⊂⊆⊃⊇→←↔⇒⇐⇔↦≪≫≔:")
_BINARY = frozenset("+−-±∓×÷")
_NO_SPACE_AFTER = frozenset("([{⟨|∣,;=<>≤≥≠≈≡∼∈→+−-±∓×÷")
_BIG_OPERATORS = frozenset("∑∏∐∫∬∭∮⋃⋂⨁⨂⋁⋀")
_ROWS = frozenset({"math", "semantics", "mrow", "mstyle", "mpadded", "menclose", "merror", "mtd"})
_SCRIPTS = frozenset({"msup", "msub", "msubsup", "munder", "mover", "munderover"})
# Invisible operators (function application, invisible times and separator, invisible
# plus) and zero-width spaces: nothing to show.
_INVISIBLE = re.compile("[\u2061-\u2064\u200b]")
_SPACES = re.compile(r"\s+")

_VARIANTS = {
    "bold": "BOLD",
    "italic": "",
    "bold-italic": "BOLD ITALIC",
    "double-struck": "DOUBLE-STRUCK",
    "script": "SCRIPT",
    "bold-script": "BOLD SCRIPT",
    "fraktur": "FRAKTUR",
    "bold-fraktur": "BOLD FRAKTUR",
    "sans-serif": "SANS-SERIF",
    "bold-sans-serif": "SANS-SERIF BOLD",
    "sans-serif-italic": "SANS-SERIF ITALIC",
    "sans-serif-bold-italic": "SANS-SERIF BOLD ITALIC",
    "monospace": "MONOSPACE",
}
# Letters Unicode had before its mathematical alphabet, where that alphabet has a hole.
_OLDER_NAMES = {"DOUBLE-STRUCK": "DOUBLE-STRUCK", "SCRIPT": "SCRIPT", "FRAKTUR": "BLACK-LETTER"}


@lru_cache(maxsize=1024)
def _styled_char(char: str, variant: str) -> str:
    """`char` in a mathematical alphabet (𝔼 for E in double-struck), or `char` if none."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return char
    for prefix in ("LATIN ", "GREEK "):
        name = name.removeprefix(prefix)
    name = name.replace(" LETTER ", " ").replace("CAPITAL LETTER", "CAPITAL")
    name = name.replace("SMALL LETTER", "SMALL")
    candidates = [f"MATHEMATICAL {variant} {name}"]
    if variant in _OLDER_NAMES:
        candidates.append(f"{_OLDER_NAMES[variant]} {name}")
    if variant == "BOLD ITALIC":  # \boldsymbol on a Greek letter: KaTeX's bold-italic
        candidates.append(f"MATHEMATICAL BOLD {name}")
    for candidate in candidates:
        try:
            return unicodedata.lookup(candidate)
        except KeyError:
            continue
    return char


_VARIANT_ELEMENT = re.compile(
    r'<(mi|mn|mo|mtext)\b([^>]*?) mathvariant="([a-z-]+)"([^>]*)>([^<]*)</\1>'
)


def core_mathml(mathml: str) -> str:
    """KaTeX's MathML for MathML Core (Chromium draws only mathvariant="normal"): each
    styled letter as its Unicode mathematical letter, so that \\mathbb{E} shows as 𝔼 in
    every browser, not as an italic E."""

    def restyle(m: re.Match[str]) -> str:
        tag, before, variant, after, text = m.groups()
        if variant not in _VARIANTS or not _VARIANTS[variant]:
            return m.group()
        styled = html.escape(_styled(html.unescape(text), variant), quote=False)
        # mathvariant="normal" keeps a one-letter <mi> from being set in italic on top.
        keep = ' mathvariant="normal"' if tag == "mi" else ""
        return f"<{tag}{before}{keep}{after}>{styled}</{tag}>"

    return _VARIANT_ELEMENT.sub(restyle, mathml)


def _styled(text: str, variant: str | None) -> str:
    prefix = _VARIANTS.get(variant or "")
    if not prefix:
        return text
    return "".join(_styled_char(c, prefix) for c in text)


def _script(text: str, table: dict[str, str], mark: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + text if len(text) == 1 else f"{mark}({text})"


def _wrap(text: str) -> str:
    """A fraction's numerator or denominator, in parentheses unless it is one item."""
    text = text.strip()
    if len(text) <= 1 or text.lstrip("∂∇").isalnum() or (text[0] in "([{" and _closes_at_end(text)):
        return text
    return f"({text})"


def _closes_at_end(text: str) -> bool:
    pairs = {"(": ")", "[": "]", "{": "}"}
    depth = 0
    for i, c in enumerate(text):
        if c in pairs:
            depth += 1
        elif c in pairs.values():
            depth -= 1
            if depth == 0 and i < len(text) - 1:
                return False
    return depth == 0 and text[-1] == pairs[text[0]]


def _accented(base: str, accent: str, table: dict[str, str]) -> str | None:
    mark = table.get(accent.strip())
    if mark is None:
        return None
    if mark in ("\u0305", "\u0332"):  # a line over (under) all of it
        return "".join(c + mark for c in base)
    return base + mark


def _read(node: _Node | str, script: bool = False) -> str:
    if isinstance(node, str):
        return node
    tag = node.tag
    kids = node.elements()
    if tag in ("annotation", "annotation-xml", "mphantom", "none", "mprescripts"):
        return ""
    if tag in ("mi", "mn", "mtext", "ms"):
        return _styled(_text_of(node), node.attrs.get("mathvariant"))
    if tag == "mo":
        text = _text_of(node)
        if not script and text.strip() in _RELATIONS and text.strip():
            return f" {text.strip()} "
        if not script and text.strip() in (",", ";"):
            return text.strip() + " "
        return text
    if tag == "mspace":
        return " "
    if tag in _SCRIPTS and kids:
        base = _read(kids[0], script)
        inner = [_read(kid, True) for kid in kids[1:]]
        if tag in ("mover", "munder") and len(kids) == 2:
            accent = _text_of(kids[1]).strip()
            if accent in _BRACES:
                return base
            is_accent = (
                node.attrs.get("accent") == "true" or node.attrs.get("accentunder") == "true"
            )
            if is_accent or kids[1].tag == "mo":
                over = _COMBINING if tag == "mover" else _UNDER_COMBINING
                accented = _accented(base, accent, over)
                if accented is not None:
                    return accented
        if tag in ("msub", "munder"):
            return base + _script(inner[0] if inner else "", _SUBSCRIPTS, "_")
        if tag in ("msup", "mover"):
            return base + _script(inner[0] if inner else "", _SUPERSCRIPTS, "^")
        sub = _script(inner[0] if inner else "", _SUBSCRIPTS, "_")
        sup = _script(inner[1] if len(inner) > 1 else "", _SUPERSCRIPTS, "^")
        return base + sub + sup
    parts = [_read(kid, script) for kid in kids]
    if tag in _ROWS:
        return _join(kids, parts, script)
    if tag == "mfrac" and len(parts) == 2:
        if node.attrs.get("linethickness", "").strip() in ("0", "0px", "0em"):
            return f"{parts[0].strip()} {parts[1].strip()}"  # \binom: its parentheses are outside
        return f"{_wrap(parts[0])}/{_wrap(parts[1])}"
    if tag == "msqrt":
        return "√" + _wrap("".join(parts))
    if tag == "mroot" and len(parts) == 2:
        return _script(_read(kids[1], True), _SUPERSCRIPTS, "") + "√" + _wrap(parts[0])
    if tag == "mtable":
        # Cells set apart (a matrix, cases) are items; cells set tight (aligned) are one
        # equation split at its "&".
        tight = node.attrs.get("columnspacing", "").strip() in ("0em", "0")
        rows = []
        for row in kids:
            cells = [_read(cell, script) for cell in row.elements()]
            if tight:
                rows.append("".join(cells).strip())
            else:
                rows.append(", ".join(c.strip() for c in cells if c.strip()))
        return "; ".join(r for r in rows if r)
    return "".join(parts)


def _is_word(node: _Node) -> bool:
    """A function's name (sin, log, lim, KL): a word that wants a space before it."""
    text = _text_of(node).strip() if node.tag in ("mi", "mo") else ""
    return len(text) > 1 and text.isalpha()


def _starts_with_word(node: _Node) -> bool:
    while node.tag in _SCRIPTS or node.tag == "mrow":
        if not node.elements():
            return False
        node = node.elements()[0]
    return _is_word(node)


def _spaced_after(node: _Node, text: str) -> bool:
    """A script a letter may not follow directly: ∑ᵢ₌₁ⁿ xᵢ, lim_(n→∞) f, ∇_θ L."""
    if node.tag not in _SCRIPTS:
        return False
    base = node.elements()[0] if node.elements() else None
    if base is not None and (_starts_with_word(base) or _text_of(base).strip() in _BIG_OPERATORS):
        return True
    return bool(re.search(r"[_^][^\s()]+$", text))  # ended on an ASCII fallback: _θ


def _join(kids: list[_Node], parts: list[str], script: bool) -> str:
    out = ""
    after_script = False
    for kid, part in zip(kids, parts, strict=True):
        text = part.strip() if kid.tag == "mo" else part
        if not script and kid.tag == "mo" and text in _BINARY:
            # "a − b", but "−x" at the start and after an operator or an open bracket.
            last = out.rstrip()[-1:]
            part = f" {text} " if last and last not in _NO_SPACE_AFTER else text
        elif out and part[:1].isalnum() and (after_script or _starts_with_word(kid)):
            out += " " if out[-1] not in " ([{⟨" else ""
        out += part
        after_script = _spaced_after(kid, part)
    return out


def _text_of(node: _Node) -> str:
    return "".join(c if isinstance(c, str) else _read(c) for c in node.children)


@lru_cache(maxsize=4096)  # the same few formulas (x, n, \theta) come back all the time
def math_text(mathml: str) -> str:
    """One line of plain text for a formula, from KaTeX's MathML (`<math>…</math>`)."""
    text = _read(_parse(mathml))
    # Function application after "log", "sin": a space before a letter, nothing before "(".
    text = re.sub("\u2061(?=[^\\W_])", " ", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()
