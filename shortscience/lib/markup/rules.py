"""markdown-it rules for TeX math and \\cite, written for bounded cost.

Delimiters follow Pandoc (tex_math_dollars, tex_math_single_backslash):

- `$..$` is inline math only if the opening `$` has a non-space character on its right,
  the closing `$` a non-space character on its left and no digit right after it, and no
  digit sits right before the opening `$` (mdit-py-plugins' allow_space=False,
  allow_digits=False). So "costs $5 and $10" stays prose.
- `$$..$$` is display math, anywhere in a paragraph or as a block of its own, with no
  blank line inside.
- `\\(..\\)` is inline math, `\\[..\\]` display math. The price: a Markdown writer's
  `\\[1\\]` (escaped brackets) becomes math; `\\\\[` still gives a literal backslash-bracket.
- `\\$` is a literal dollar, and code spans and code blocks are never searched.

Why not mdit-py-plugins' dollarmath/texmath: their closing-delimiter searches rescan to
the end of the input from every opener. Measured here: 80 kB of unterminated `\\(` takes
texmath 20 s and 70 kB of "- $$ x" lines take dollarmath 30 s, both quadratic, so a
megabyte would take hours. They also ignore `posMax`, so math can run out of a link's text.
Here every search for a closing delimiter is memoized (per document), which keeps a
document linear in its length.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from markdown_it.common.utils import isWhiteSpace

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline

# A \cite{...} longer than this is not a citation; the bound keeps a megabyte of
# "\cite{" from costing a scan to the end of the text each.
MAX_CITE_CHARS = 1000

_CITE_OPEN = "\\cite{"


def _escaped(src: str, pos: int) -> bool:
    """True if the character at pos is escaped by an odd run of backslashes."""
    n = 0
    pos -= 1
    while pos >= 0 and src[pos] == "\\":
        n += 1
        pos -= 1
    return n % 2 == 1


def _find_closer(env: dict, src: str, needle: str, start: int, limit: int) -> int:
    """First occurrence of needle in src[start:limit] not preceded by an odd run of
    backslashes: `\\$` is a literal dollar, and in `\\\\)` the pair is a TeX line break.

    The last answer is memoized per needle. Rules run left to right, so the next
    search starts at or after the last one; if the last found position is still ahead
    (or nothing was found), the answer is the same and costs nothing. Without this, n
    unterminated openers would cost n scans to the end.
    """
    memo: dict[str, tuple[str, int, int, int]] = env.setdefault("_ss_closers", {})
    cached = memo.get(needle)
    if cached is not None:
        c_src, c_start, c_limit, c_found = cached
        if c_src is src and c_start <= start:
            # [c_start, c_found) holds no closer, so neither does [start, c_found).
            if c_found >= start:
                return c_found if c_found + len(needle) <= limit else -1
            if c_found < 0 and limit <= c_limit:
                return -1
    pos = start
    found = -1
    while True:
        hit = src.find(needle, pos, limit)
        if hit < 0:
            break
        if not _escaped(src, hit):
            found = hit
            break
        pos = hit + 1
    memo[needle] = (src, start, limit, found)
    return found


def _push_math(state: StateInline, content: str, display: bool, markup: str) -> None:
    token = state.push("math_display" if display else "math_inline", "math", 0)
    token.content = content
    token.markup = markup


def math_inline(state: StateInline, silent: bool) -> bool:
    src = state.src
    pos = state.pos
    limit = state.posMax
    ch = src[pos]
    env = state.env

    if ch == "$":
        if src.startswith("$$", pos):
            end = _find_closer(env, src, "$$", pos + 2, limit)
            if end < 0 or not src[pos + 2 : end].strip():
                # An unmatched "$$" is two literal dollars, never the opener of $..$.
                if not silent:
                    state.append_pending("$$")
                state.pos = pos + 2
                return True
            if not silent:
                _push_math(state, src[pos + 2 : end].strip(), True, "$$")
            state.pos = end + 2
            return True

        if pos + 1 >= limit or isWhiteSpace(ord(src[pos + 1])):
            return False
        if pos > 0 and src[pos - 1].isdigit():
            return False
        end = _find_closer(env, src, "$", pos + 1, limit)
        if end < 0:
            return False
        if isWhiteSpace(ord(src[end - 1])):
            return False
        if end + 1 < len(src) and src[end + 1].isdigit():
            return False
        if not silent:
            _push_math(state, src[pos + 1 : end], False, "$")
        state.pos = end + 1
        return True

    if ch == "\\" and pos + 1 < limit:
        nxt = src[pos + 1]
        if nxt == "(":
            closer, display = "\\)", False
        elif nxt == "[":
            closer, display = "\\]", True
        else:
            return False
        end = _find_closer(env, src, closer, pos + 2, limit)
        if end < 0 or not src[pos + 2 : end].strip():
            return False
        if not silent:
            _push_math(state, src[pos + 2 : end].strip(), display, "\\" + nxt)
        state.pos = end + 2
        return True

    return False


def _block_math(opener: str, closer: str) -> Callable[[StateBlock, int, int, bool], bool]:
    """A block rule for display math that starts a line with opener."""

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent >= 4:
            return False  # an indented code block
        src = state.src
        begin = state.bMarks[start_line] + state.tShift[start_line]
        if not src.startswith(opener, begin):
            return False
        limit = state.eMarks[end_line - 1] if end_line > start_line else state.eMarks[start_line]
        end = _find_closer(state.env, src, closer, begin + len(opener), limit)
        if end < 0:
            return False

        # Map the closer to its line; the lines walked contain no closer, so the walks of
        # all openers together stay linear.
        line = start_line
        while state.eMarks[line] < end:
            line += 1
            if line >= end_line:
                return False
            if state.isEmpty(line) or state.sCount[line] < state.blkIndent:
                return False  # Pandoc: no blank line inside; a dedent leaves the list item
        if end < state.bMarks[line] + state.tShift[line]:
            return False
        if src[end + len(closer) : state.eMarks[line]].strip():
            return False  # text after the closer: the paragraph's inline math handles it

        if line == start_line:
            content = src[begin + len(opener) : end]
        else:
            parts = [src[begin + len(opener) : state.eMarks[start_line]]]
            for mid in range(start_line + 1, line):
                parts.append(src[state.bMarks[mid] + state.tShift[mid] : state.eMarks[mid]])
            parts.append(src[state.bMarks[line] + state.tShift[line] : end])
            content = "\n".join(parts)
        if not content.strip():
            return False
        if silent:
            return True

        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = content.strip()
        token.markup = opener
        token.map = [start_line, line + 1]
        state.line = line + 1
        return True

    return rule


def cite(state: StateInline, silent: bool) -> bool:
    """\\cite{key} and \\cite{key1, key2}: keys are anything but spaces, commas and braces."""
    src = state.src
    pos = state.pos
    if not src.startswith(_CITE_OPEN, pos):
        return False
    body_start = pos + len(_CITE_OPEN)
    end = src.find("}", body_start, min(state.posMax, body_start + MAX_CITE_CHARS))
    if end < 0:
        return False
    keys: list[str] = []
    for raw in src[body_start:end].split(","):
        key = raw.strip()
        if not key or "{" in key or any(c.isspace() for c in key):
            return False
        if key not in keys:
            keys.append(key)
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"keys": keys}
        token.content = src[pos : end + 1]
    state.pos = end + 1
    return True


def math_plugin(md: MarkdownIt) -> None:
    # Before "escape", so that `\(` is seen as math before it becomes a literal "(";
    # code spans ("backticks") still win because they start earlier in the text.
    md.inline.ruler.before("escape", "math_inline", math_inline)
    md.inline.ruler.before("escape", "cite", cite)
    alt = {"alt": ["paragraph", "reference", "blockquote", "list"]}
    md.block.ruler.before("fence", "math_block_dollar", _block_math("$$", "$$"), alt)
    md.block.ruler.before("fence", "math_block_bracket", _block_math("\\[", "\\]"), alt)
