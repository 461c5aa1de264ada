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


def highlight(text: str, wanted: list[tuple[str, bool]], *, words: int | None = None) -> SafeString:
    """`text` escaped, the query's words in <mark>; cut to the `words`-word window with the
    most hits (with an ellipsis where cut) when `words` is given."""
    text = unicodedata.normalize("NFC", text or "")
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
