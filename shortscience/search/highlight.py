"""Highlighted titles and snippets, built in Python for both engines.

The text is cut into words as the engines cut it, each word folded (case, accents) and
compared with the query's folded words, and the result built from escaped pieces: the
only markup in it is our own <mark>, so a title or abstract holding HTML stays text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shortscience.search.query import fold

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def _folded(word: str) -> str:
    return word.lower() if word.isascii() else fold(word)


@lru_cache(maxsize=256)
def _ascii_pattern(wanted: tuple[tuple[str, bool], ...]) -> re.Pattern:
    words = "|".join(re.escape(w) + (r"[a-z0-9]*" if prefix else "") for w, prefix in wanted)
    return re.compile(rf"(?<![^\W_])(?:{words})(?![^\W_])")


def _matcher(wanted: list[tuple[str, bool]]):
    exact = {w for w, prefix in wanted if not prefix}
    prefixes = tuple(w for w, prefix in wanted if prefix)

    def is_hit(word: str) -> bool:
        folded = _folded(word)
        return folded in exact or (bool(prefixes) and folded.startswith(prefixes))

    return is_hit


SCAN_CHARS = 3000


def _around_first_hit(text: str, wanted: list[tuple[str, bool]]) -> tuple[str, bool, bool]:
    """At most SCAN_CHARS of `text`, from shortly before its first hit; and whether text
    was cut before and after it."""
    start = 0
    if text.isascii() and all(w.isascii() for w, _ in wanted):
        m = _ascii_pattern(tuple(wanted)).search(text.lower()) if wanted else None
        start = max(0, m.start() - 200) if m else 0
    else:
        is_hit = _matcher(wanted)
        for m in _WORD.finditer(text):
            if is_hit(m.group()):
                start = max(0, m.start() - 200)
                break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 50 else start
    end = min(len(text), start + SCAN_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return text[start:end], start > 0, end < len(text)


def highlight(text: str, wanted: list[tuple[str, bool]], *, words: int | None = None) -> SafeString:
    """`text` escaped, the query's words in <mark>; cut to the `words`-word window with the
    most hits (with an ellipsis where cut) when `words` is given."""
    text = unicodedata.normalize("NFC", text or "")
    if words and len(text) > SCAN_CHARS:
        # A snippet of a long summary: look from a little before the first hit, at most
        # SCAN_CHARS of it, instead of cutting the whole body into words.
        text, before, after = _around_first_hit(text, wanted)
        inner = highlight(text, wanted, words=words)
        if before and not inner.startswith("… "):
            inner = mark_safe("… " + inner)  # noqa: S308 - escaped pieces, see below
        if after and not inner.endswith(" …"):
            inner = mark_safe(inner + " …")  # noqa: S308 - escaped pieces, see below
        return inner
    is_hit = _matcher(wanted)
    tokens = list(_WORD.finditer(text))
    if text.isascii() and wanted and all(w.isascii() for w, _ in wanted):
        # Most text is ASCII: find the hits with one regex over the lowered text (same
        # offsets) instead of folding every word.
        hit_starts = {m.start() for m in _ascii_pattern(tuple(wanted)).finditer(text.lower())}
        hits = [t.start() in hit_starts for t in tokens]
    else:
        hits = [is_hit(t.group()) for t in tokens]
    first, last = 0, len(tokens) - 1
    if words and len(tokens) > words:
        best, best_at, current = -1, 0, sum(hits[:words])
        for i in range(len(tokens) - words + 1):
            if i:
                current += hits[i + words - 1] - hits[i - 1]
            if current > best:
                best, best_at = current, i
        first, last = best_at, best_at + words - 1
    start_char = tokens[first].start() if first else 0
    end_char = tokens[last].end() if tokens and last < len(tokens) - 1 else len(text)
    out, at = [], start_char
    if start_char:
        out.append("… ")
    for i in range(first, last + 1):
        if hits[i]:
            t = tokens[i]
            out.append(escape(text[at : t.start()]))
            out.append(f"<mark>{escape(t.group())}</mark>")
            at = t.end()
    out.append(escape(text[at:end_char]))
    if end_char < len(text):
        out.append(" …")
    # Safe: every piece of the text went through escape(); the only tags are our <mark>s.
    return mark_safe("".join(out))  # noqa: S308
