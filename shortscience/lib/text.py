"""Text people and importers write, made fit to store and to show.

Framework-free. `clean()` drops the characters that neither XML 1.0 nor HTML can carry:
one of them in a stored summary body or display name made every feed that showed it answer
500 (Django's XML writer refuses control characters), and a lone surrogate (JSON's
"\\ud800" reaches a Python string as is) or a NUL cannot even be written to the database.
Services call it on every field people or importers write; `clean_line()` is for one-line
fields (names, titles), where a newline or a tab is a space.

Removed, by code point:
- C0 controls but tab, newline and carriage return (U+0000-U+0008, U+000B, U+000C,
  U+000E-U+001F): outside XML 1.0's Char production.
- DEL and the C1 controls (U+007F-U+009F): allowed by XML 1.0 but not by HTML, and never
  text (in practice Windows-1252 read as Latin-1).
- Lone surrogates (U+D800-U+DFFF): not characters; UTF-8 cannot encode them.
- Noncharacters (U+FDD0-U+FDEF, and U+xFFFE, U+xFFFF of each of the 17 planes): XML 1.0
  refuses U+FFFE and U+FFFF, HTML all of them.
"""

from __future__ import annotations

import re

# (first, last) code points, inclusive.
UNFIT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0xD800, 0xDFFF),
    (0xFDD0, 0xFDEF),
    *((plane << 16 | 0xFFFE, plane << 16 | 0xFFFF) for plane in range(17)),
)

_UNFIT = re.compile(
    "[" + "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in UNFIT_RANGES) + "]"
)
# What the UTF-8 of every removed character holds: one of these bytes (the C0 controls and
# DEL themselves; C2 leads the C1 controls, ED the surrogates) or one of the sequences EF B7
# (U+FDD0-U+FDEF), BF BE and BF BF (how each plane's last two code points end). Text with
# none of them has nothing to remove, which bytes.translate() and `in` tell at 1-2 ns a
# byte (ASCII text has no sequence at all); the regex's search takes ~20 ns a character,
# ten times that with the other planes' ranges in its class. A bulk import cleans ~1 KB a
# paper; a feed, 30 summaries, a third of them with math letters of plane 1 (U+1D400 on).
# Text that merely shares a byte (a no-break space, Hangul) goes on to the regex.
_FIRST_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xED])
_LINE_BREAK = re.compile(r"\r\n|[\r\n\t]")


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 and HTML cannot carry; `text` itself (no copy)
    when it has none, as almost all text has."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _FIRST_BYTES)) == len(raw) and (
        text.isascii() or not _has_unfit_sequence(raw)
    ):
        return text
    return _UNFIT.sub("", text)


def _has_unfit_sequence(raw: bytes) -> bool:
    # A lone byte is looked for first: memchr() is several times faster than a search for
    # two bytes, and most text has neither B7 nor BF.
    return (b"\xb7" in raw and b"\xef\xb7" in raw) or (
        b"\xbf" in raw and (b"\xbf\xbe" in raw or b"\xbf\xbf" in raw)
    )


def clean_line(text: str) -> str:
    """clean() for a one-line field: each newline (CR LF counts as one) and tab is a space."""
    text = clean(text)
    if "\n" in text or "\r" in text or "\t" in text:
        return _LINE_BREAK.sub(" ", text)
    return text


def unfit_class(*, storable: bool = False, coarse: bool = False) -> str:
    """The removed characters as the inside of a bracket expression, the characters
    themselves (no escapes): for SQLite's GLOB and PostgreSQL's regular expressions, which
    both read ranges by code point. `storable` leaves out what no database driver can store
    (NUL, which PostgreSQL refuses and SQLite's GLOB reads as the pattern's end, and
    surrogates, which UTF-8 cannot encode), so the text can be a query parameter. `coarse`
    has one range from U+1FFFE to the end for the other planes' noncharacters, a superset
    (all of planes 2 to 16, where little text is): a class read item by item for each
    character of the text, as SQLite's GLOB reads it, is four times faster so."""
    ranges = list(UNFIT_RANGES)
    if coarse:
        ranges = [r for r in ranges if r[1] <= 0xFFFF] + [(0x1FFFE, 0x10FFFF)]
    parts = []
    for first, last in ranges:
        if storable:
            if first == 0x00:
                first = 0x01
            if (first, last) == (0xD800, 0xDFFF):
                continue
        parts.append(chr(first) if first == last else f"{chr(first)}-{chr(last)}")
    return "".join(parts)
