"""Highlighted titles and snippets, built in Python for both engines.

The text is cut into words as the engines cut it, each word folded (case, accents) and
compared with the query's folded words, and the result built from escaped pieces: the
only markup in it is our own <mark>, so a title or abstract holding HTML stays text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shortscience.search.query import fold

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def _folded(word: str) -> str:
    return word.lower() if word.isascii() else fold(word)


@lru_cache(maxsize=256)
def _pattern(wanted: tuple[tuple[str, bool], ...]) -> re.Pattern:
    """The query's folded words as whole words (a prefix: the word's start), for a search
    over folded text."""
    words = "|".join(re.escape(w) + (r"[^\W_]*" if prefix else "") for w, prefix in wanted)
    return re.compile(rf"(?<![^\W_])(?:{words})(?![^\W_])")


# A character not in ASCII.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _char_fold(char: str) -> str:
    """One character's fold, if it is one character that lower() leaves alone; else NUL.
    A character folding to none or to several (a lone combining mark, "ß", a ligature)
    would move every later offset."""
    folded = fold(char)
    return folded if len(folded) == 1 and folded.lower() == folded else "\0"


def _fold_in_place(text: str) -> str | None:
    """`text` folded character by character, so every offset stays the same; None when that
    cannot be. For NFC text this is fold() of each word: casefold, decomposition and the
    removal of combining marks all work one character at a time. Only the few characters
    outside ASCII are looked at one by one; lower() does the rest in one go."""
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _char_fold(m[0]), text)
        if "\0" in text:
            return None
    return text.lower()


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
    first = next(_hit_spans(text, wanted), None)
    start = max(0, first[0] - 200) if first else 0
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
    tokens = [m.span() for m in _WORD.finditer(text)]
    hit_at = _hit_indices(text, tokens, wanted)
    first, last = 0, len(tokens) - 1
    if words and len(tokens) > words:
        first = _best_window(hit_at, len(tokens), words)
        last = first + words - 1
    start_char = tokens[first][0] if first else 0
    end_char = tokens[last][1] if tokens and last < len(tokens) - 1 else len(text)
    out, at = [], start_char
    if start_char:
        out.append("… ")
    for i in hit_at:
        if first <= i <= last:
            start, end = tokens[i]
            out.append(escape(text[at:start]))
            out.append(f"<mark>{escape(text[start:end])}</mark>")
            at = end
    out.append(escape(text[at:end_char]))
    if end_char < len(text):
        out.append(" …")
    # Safe: every piece of the text went through escape(); the only tags are our <mark>s.
    return mark_safe("".join(out))  # noqa: S308


def _hit_spans(text: str, wanted) -> Iterator[tuple[int, int]]:
    """Where the query's words are in `text`, in order, found lazily."""
    if not wanted:
        return
    folded = _fold_in_place(text)
    if folded is None:
        is_hit = _matcher(wanted)
        yield from (m.span() for m in _WORD.finditer(text) if is_hit(m.group()))
    else:
        # One regex over the text folded in place finds the hits, instead of folding and
        # comparing word by word (that was most of a search page's time).
        yield from (m.span() for m in _pattern(tuple(wanted)).finditer(folded))


def _hit_indices(text: str, tokens: list[tuple[int, int]], wanted) -> list[int]:
    """The indices of the tokens that are the query's words, in order."""
    starts = [start for start, _ in tokens]
    found = []
    for span in _hit_spans(text, wanted):
        i = bisect_left(starts, span[0])
        if i < len(tokens) and tokens[i] == span:  # a whole word of the original too
            found.append(i)
    return found


def _best_window(hit_at: list[int], n: int, words: int) -> int:
    """The first token of the `words`-token window holding the most hits, begun a few words
    before its first hit when that keeps them all. Only windows that begin at a hit need
    trying: moving a window right until its first token is a hit loses none."""
    if not hit_at:
        return 0
    best = first = last_hit = 0
    end = 0
    for h in hit_at:
        start = min(h, n - words)
        while end < len(hit_at) and hit_at[end] < start + words:
            end += 1
        count = end - bisect_left(hit_at, start)
        if count > best:
            best, first, last_hit = count, start, hit_at[end - 1]
    return max(0, first - words // 4, last_hit - words + 1)
