"""Links to the site's own pages, as fast as string formatting.

`reverse()` costs tens of microseconds, and a page of 20 summaries or 25 papers prints
dozens of links (each summary's permalink, source and history; each paper's, its authors',
its venue's): a quarter of the paper page's render, more on the lists. `link()` reverses
each URL name once, with placeholder arguments, and fills the values into the cached
pieces after; a value that reverse() would have to quote (anything but letters, digits and
`._~/-`) goes through reverse() itself, so the result is always the same as reverse()'s.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_AS_IS = re.compile(r"[A-Za-z0-9._~/-]+\Z")
# Digits fit every converter the site's URLs use (int, str, slug, path).
_PLACEHOLDER = "739{:04d}1"  # fixed width: no placeholder begins another


@functools.lru_cache(maxsize=512)
def _pieces(name: str, arity: int, prefix: str, urlconf) -> tuple[str, ...] | None:
    marks = [_PLACEHOLDER.format(n) for n in range(arity)]
    url = reverse(name, args=marks, urlconf=urlconf)
    pieces, rest = [], url
    for mark in marks:
        before, found, rest = rest.partition(mark)
        if not found or mark in rest:
            return None  # a converter that changed the value, or a repeated one
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


def absolute(path: str) -> str:
    """An absolute URL on the site's configured root: feeds, sitemaps, emails, calendars and
    the API are read by machines that never saw the request's Host header."""
    return settings.SITE_ROOT.rstrip("/") + path


def link(name: str, *args) -> str:
    """reverse(name, args=args), from cached pieces when the values need no quoting."""
    values = [str(a) for a in args]
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pieces = _pieces(name, len(values), get_script_prefix(), urlconf)
    if pieces is None or not all(_AS_IS.match(v) for v in values):
        return reverse(name, args=args)
    return "".join(p + v for p, v in zip(pieces, [*values, ""], strict=True))


def link_maker(name: str, arity: int):
    """link(name, ...) for many values in a row (an API answer's hundreds of papers): the
    URL's pieces, and the request's URL settings, looked up once."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pieces = _pieces(name, arity, get_script_prefix(), urlconf)

    def make(*args) -> str:
        values = [str(a) for a in args]
        if pieces is None or not all(_AS_IS.match(v) for v in values):
            return reverse(name, args=args)
        return "".join(p + v for p, v in zip(pieces, [*values, ""], strict=True))

    return make
