"""LaTeX as BibTeX field values hold it, turned into Unicode text.

Framework-free. `to_unicode(r'Schr{\\"o}dinger --- {BERT}')` gives 'Schrödinger — BERT':
accents in every spelling BibTeX files use (`{\\"o}`, `\\"{o}`, `\\"o`, `\\c c`), the special
letters (`{\\ss}`, `{\\o}`, `{\\l}`, `{\\i}`), escaped specials, TeX dashes and quotes, and
protective braces removed. Math (`$\\alpha$`, and `\\(..\\)` written as `$..$`) is kept as
TeX, since the site typesets it.

This is a small converter, not a TeX engine: a command it does not know keeps its
arguments when it has some (`\\emph{x}` -> x) and is spelled out when it has none
(`\\TeX` -> TeX), which is right for the formatting commands and logos bibliographies
use, and merely readable for a private macro defined in some @preamble.
"""

# ruff: noqa: RUF001 -- mapping TeX to look-alike characters (en dash, curly quotes, dotless i)
# is what this module is for, so every one below is meant.
from __future__ import annotations

import re
import unicodedata

NBSP = "\u00a0"

# Accent commands -> the combining mark they put on the next letter.
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
    "t": "\u0361",
}
# An accent over nothing (`\'{}`) is the spacing form of the mark.
_SPACING_ACCENTS = {"'": "´", "`": "`", "^": "^", '"': "¨", "~": "~", "=": "¯", ".": "˙"}

# Control words that stand for a character (or nothing).
_SYMBOLS = {
    "ss": "ß",
    "SS": "SS",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "dj": "đ",
    "DJ": "Đ",
    # What the BibTeX export writes for a brace with no partner (discovery/bibtex.py).
    "textbraceleft": "{",
    "textbraceright": "}",
    "textendash": "–",
    "textemdash": "—",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "guillemotleft": "«",
    "guillemotright": "»",
    "S": "§",
    "P": "¶",
    "copyright": "©",
    "textcopyright": "©",
    "textregistered": "®",
    "texttrademark": "™",
    "pounds": "£",
    "textsterling": "£",
    "euro": "€",
    "texteuro": "€",
    "textdegree": "°",
    "dag": "†",
    "ddag": "‡",
    "textbullet": "•",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textunderscore": "_",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "quad": " ",
    "qquad": " ",
    "thinspace": " ",
    "enspace": " ",
    "Dash": "—",  # TUGboat's and Beebe's bibliographies spell an em dash so
    "LaTeXe": "LaTeX2ε",
    # Switches and spacing that change the look, not the text.
    "em": "",
    "bf": "",
    "it": "",
    "rm": "",
    "sc": "",
    "sf": "",
    "sl": "",
    "tt": "",
    "upshape": "",
    "itshape": "",
    "slshape": "",
    "scshape": "",
    "bfseries": "",
    "mdseries": "",
    "rmfamily": "",
    "sffamily": "",
    "ttfamily": "",
    "normalfont": "",
    "tiny": "",
    "scriptsize": "",
    "footnotesize": "",
    "small": "",
    "normalsize": "",
    "large": "",
    "Large": "",
    "LARGE": "",
    "huge": "",
    "Huge": "",
    "selectfont": "",
    "relax": "",
    "protect": "",
    "nobreak": "",
    "null": "",
    "hfill": "",
    "newblock": "",
    "xspace": "",
    "par": "\n\n",
}
# Commands whose first argument is not text: dropped with it (\noopsort is the classic
# BibTeX trick to steer sorting; \href's first argument is the address).
_DROP_FIRST_ARGUMENT = {"noopsort", "href", "cite", "citep", "citet", "label", "ref", "footnote"}

# Control symbols: the character after the backslash.
_CONTROL_SYMBOLS = {
    "&": "&",
    "%": "%",
    "_": "_",
    "#": "#",
    "{": "{",
    "}": "}",
    "$": "$",
    " ": " ",
    "\\": " ",  # a line break inside a title reads as a space
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    "-": "",  # a hyphenation hint
    "/": "",  # italic correction
    "@": "",
}

# \kern-.1em and friends: the dimension after them is spacing, not text.
_SPACING_COMMANDS = {"kern", "hskip", "vskip", "raise", "lower", "mkern", "hspace"}
_DIMENSION = re.compile(
    r"\{?\s*[-+]?\s*(?:\d+\.?\d*|\.\d+)\s*(?:em|ex|pt|mm|cm|in|bp|sp|mu)?\s*\}?"
)

_MAX_DEPTH = 20

_SPECIAL = re.compile(r"[\\{}$~`'\-]")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # not \s: a tie's no-break space must survive
_PAR = re.compile(r"\\par(?![A-Za-z])")
_PARAGRAPHS = re.compile(r"[ \t\f\v]*(?:\r?\n[ \t\f\v]*){2,}")


def to_unicode(
    text: str, *, tie: str = " ", escape_dollar: bool = False, paragraphs: bool = False
) -> str:
    """LaTeX -> NFC Unicode with collapsed whitespace.

    tie: what `~` becomes (a no-break space suits names, a space everything else).
    escape_dollar: keep `\\$` as `\\$`, for text the site typesets, where a bare `$` would
    open math; elsewhere it becomes `$`.
    paragraphs: keep blank lines (and `\\par`) as paragraph breaks, for abstracts.
    """
    if paragraphs:
        text = _PAR.sub("\n\n", text)
        parts = [_convert(p, tie, escape_dollar) for p in _PARAGRAPHS.split(text)]
        return "\n\n".join(p for p in parts if p)
    return _convert(text, tie, escape_dollar)


def strip_braces(text: str) -> str:
    """A verbatim value (URL, DOI, eprint) with its BibTeX protection undone:
    braces dropped and the escapes a URL can carry (\\_ \\% \\& \\# \\~) unescaped."""
    text = re.sub(r"\\([_%&#~$])(?:\{\})?", r"\1", text)
    return _SPACES.sub(" ", text.replace("{", "").replace("}", "")).strip()


def _convert(text: str, tie: str, escape_dollar: bool) -> str:
    if _SPECIAL.search(text):
        text = _Converter(text, tie, escape_dollar).run()
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def _is_letter(c: str) -> bool:
    """TeX's letters, of which control words are made: ASCII only."""
    return c.isascii() and c.isalpha()


class _Converter:
    """One left-to-right pass; groups are read recursively only as command arguments."""

    def __init__(self, text: str, tie: str, escape_dollar: bool) -> None:
        self.s = text
        self.i = 0
        self.tie = tie
        self.escape_dollar = escape_dollar
        self.depth = 0

    def run(self) -> str:
        return self._until(len(self.s))

    def _until(self, end: int) -> str:
        out: list[str] = []
        s = self.s
        while self.i < end:
            c = s[self.i]
            if c == "\\":
                out.append(self._command(end))
            elif c in "{}":
                self.i += 1  # protective braces: the text inside stays, the braces go
            elif c == "$":
                out.append(self._math(end))
            elif c == "~":
                out.append(self.tie)
                self.i += 1
            elif c == "-":
                if s.startswith("---", self.i):
                    out.append("—")
                    self.i += 3
                elif s.startswith("--", self.i):
                    out.append("–")
                    self.i += 2
                else:
                    out.append("-")
                    self.i += 1
            elif c == "`":
                double = s.startswith("``", self.i)
                out.append("“" if double else "‘")
                self.i += 2 if double else 1
            elif c == "'" and s.startswith("''", self.i):
                out.append("”")
                self.i += 2
            else:
                out.append(c)
                self.i += 1
        return "".join(out)

    def _math(self, end: int) -> str:
        """$..$ or $$..$$ copied as it is; a lone $ stays a character."""
        s = self.s
        delim = "$$" if s.startswith("$$", self.i) else "$"
        j = self.i + len(delim)
        while j < end:
            if s[j] == "\\":
                j += 2
                continue
            if s.startswith(delim, j):
                found = s[self.i : j + len(delim)]
                self.i = j + len(delim)
                return found
            j += 1
        self.i += 1
        return "$"

    def _command(self, end: int) -> str:
        s = self.s
        self.i += 1
        if self.i >= end:
            return ""  # a backslash ending a value escapes nothing
        c = s[self.i]
        if not _is_letter(c):
            self.i += 1
            if c in _ACCENTS:
                return self._accent(c, end)
            if c == "(":
                close = s.find("\\)", self.i, end)
                if close >= 0:
                    found = "$" + s[self.i : close] + "$"
                    self.i = close + 2
                    return found
                return "("
            if c == "$" and self.escape_dollar:
                return "\\$"
            return _CONTROL_SYMBOLS.get(c, c)
        j = self.i
        while j < end and _is_letter(s[j]):
            j += 1
        name = s[self.i : j]
        self.i = j
        self._skip_spaces(end)  # TeX swallows the spaces after a control word
        if name in _ACCENTS:
            return self._accent(name, end)
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name == "ensuremath" and self._at("{", end):
            return "$" + self._raw_group(end) + "$"
        if name in _SPACING_COMMANDS:
            dimension = _DIMENSION.match(s, self.i, end)
            if dimension:
                self.i = dimension.end()
            return ""
        if (
            name in ("verb", "path")
            and self.i < end
            and not _is_letter(s[self.i])
            and s[self.i] != "{"
        ):
            close = s.find(s[self.i], self.i + 1, end)  # \verb|..|: any character delimits
            if close > 0:
                found = s[self.i + 1 : close]
                self.i = close + 1
                return found
        if s.startswith("{}", self.i, end):
            self.i += 2  # \TeX{} is: the empty group only ends the control word
            return name
        if name in ("url", "path") and self._at("{", end):
            return strip_braces(self._raw_group(end))
        if name in _DROP_FIRST_ARGUMENT and self._at("{", end):
            self._raw_group(end)
            return ""
        if self._at("{", end):
            return ""  # \emph{x}, \mbox{x}, \textbf{x}: the argument is read as text next
        return name  # \TeX, \BibTeX, and macros from a @preamble: spelled out

    def _accent(self, accent: str, end: int) -> str:
        self._skip_spaces(end)
        if self.i >= end:
            return _SPACING_ACCENTS.get(accent, "")
        c = self.s[self.i]
        if c == "{":
            inner = self._group(end)
        elif c == "\\":
            inner = self._command(end)
        elif c == "}":
            inner = ""
        else:
            inner = c
            self.i += 1
        if not inner:
            return _SPACING_ACCENTS.get(accent, "")
        base = {"ı": "i", "ȷ": "j"}.get(inner[0], inner[0])  # \'{\i} is í
        return base + _ACCENTS[accent] + inner[1:]

    def _at(self, char: str, end: int) -> bool:
        return self.i < end and self.s[self.i] == char

    def _skip_spaces(self, end: int) -> None:
        while self.i < end and self.s[self.i] in " \t\r\n":
            self.i += 1

    def _group_end(self, end: int) -> int:
        """Index of the brace closing the group opened at self.i (or end when unbalanced)."""
        depth = 0
        j = self.i
        while j < end:
            c = self.s[j]
            if c == "\\":
                j += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        return end

    def _group(self, end: int) -> str:
        close = self._group_end(end)
        if self.depth >= _MAX_DEPTH:  # no title nests accents this deep; stop recursing
            return strip_braces(self._raw_group(end)).replace("\\", "")
        self.depth += 1
        self.i += 1
        inner = self._until(close)
        self.i = min(close + 1, end)
        self.depth -= 1
        return inner

    def _raw_group(self, end: int) -> str:
        close = self._group_end(end)
        inner = self.s[self.i + 1 : close]
        self.i = min(close + 1, end)
        return inner
