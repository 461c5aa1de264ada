"""A whole-page cache for visitors who are not logged in, kept per page by what it shows.

A view says what its page shows, in the vocabulary of web/changes.py:

    pages.shows(request, papers=[paper.pk, *related], members=bylines, lists=[changes.PAPERS])

and the page is stored with those tags and a stamp (the last change number this process had
read before the view ran). A page is served again while no change to any of its tags has
come after its stamp: a vote on one paper's summary re-renders that paper's pages and the
lists that show it, and every other page stays. A page that says nothing (a view that does
not call shows()) is stale after any change at all: forgetting to say costs renders, never
a stale page.

Each process reads the changes twice per PAGE_CACHE_VERSION_SECONDS (one indexed query,
web/changes.py); a visitor sees a write made through any app server within
PAGE_CACHE_VERSION_SECONDS. A write made in this process is seen at once. While one request
renders a stale page again, the others asking for it get the copy it replaces rather than
wait, as long as that keeps the promise (`Versions.may_serve_stale`): the most read pages,
which are also the most voted on, no longer hold a worker per waiting visitor. Freshness is
checked by this process on every hit, from its memory: a hit costs no query.

A hit is the response: it carries every header the response that was stored carried (the
security headers, Vary, Cache-Control, ETag, Last-Modified), computed once, at render.

Each process keeps the pages it served last in its own memory, in front of the shared cache
(`LocalPages`): a popular page is served without even the shared cache's round trip. Only
anonymous GETs without a session cookie are cached (a logged-in page carries the member's
name, votes and CSRF token), and only 200 responses that set no cookie.

The shared cache failing (Redis gone, a damaged SQLite file, a page stored by an older
release that no longer loads) makes its pages misses, logged, never an error page: the
site renders what it would have served.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils.cache import set_response_etag
from django.utils.http import http_date

from shortscience.web import outage, replicas
from shortscience.web.changes import tags_for, versions

log = logging.getLogger(__name__)


class Page(NamedTuple):
    epoch: str  # the change log's epoch and
    stamp: int  # number when the render started (web/changes.py)
    tags: tuple[str, ...] | None  # what it shows; None: not said, so anything
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes


def shows(
    request,
    *,
    papers: Iterable = (),
    members: Iterable = (),
    lists: Iterable[str] = (),
    groups: Iterable = (),
) -> None:
    """Say what the page being rendered shows (ids of papers, members and reading groups,
    names of lists): it is rendered again when one of them changes. May be called more than
    once."""
    said = request.__dict__.setdefault("_page_shows", set())
    said |= tags_for(papers=papers, members=members, lists=lists, groups=groups)


# A page missing from the cache (or stale) is rendered by one request at a time: the others
# asking for it meanwhile wait for that copy instead of rendering their own. Without this,
# each write sent the popular pages' next visitors to render them at once, and under load two
# or three renders of the same page were the rule (bench/load.py). A waiter renders itself
# when the renderer finishes without storing a page (a 404, a page with a cookie) or when the
# lock expires (a renderer that died); it waits as long as the lock lasts, since a page slow
# to render is the one that most needs rendering once.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = RENDER_LOCK_SECONDS
_POLL_SECONDS = 0.005


def _shared(method: str, *args, failed=None):
    """cache.<method>(*args), or `failed` when the shared cache cannot answer."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        log.warning("The shared page cache failed (%s); rendering instead", method, exc_info=True)
        return failed


def _fresh(page: Page | None) -> bool:
    return page is not None and versions.fresh(page.epoch, page.stamp, page.tags)


def _wait_for(key: str, rendering: str) -> Page | None:
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        page = _shared("get", key)
        if _fresh(page):
            return page
        if _shared("get", rendering) is None:
            # The renderer stores the page before it lets go of the lock: read once more,
            # or a page stored between the two reads above would be rendered again.
            page = _shared("get", key)
            return page if _fresh(page) else None
    return None


class LocalPages:
    """The pages this process served last, newest kept, up to PAGE_CACHE_LOCAL_BYTES of page
    bodies. With Redis as the shared cache, a hit there is a network round trip and a copy of
    the whole page, which cost more than the rest of a hit (bench/load.py); here it is a
    dictionary look-up. Its pages are checked for freshness like the shared cache's, and
    expire with PAGE_CACHE_SECONDS like them."""

    def __init__(self):
        self._lock = threading.Lock()  # gthread workers share the process
        self._pages: OrderedDict[str, tuple[float, Page]] = OrderedDict()
        self._bytes = 0

    def get(self, key: str) -> Page | None:
        if settings.PAGE_CACHE_LOCAL_BYTES <= 0:
            return None
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            expires, page = entry
            if time.monotonic() >= expires:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: Page) -> None:
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        size = len(page.content)
        if limit <= 0 or size > limit // 16:  # a huge page must not push out a hundred small ones
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, page)
            self._bytes += size
            while self._bytes > limit:
                self._drop(next(iter(self._pages)))

    def discard(self, key: str) -> None:
        with self._lock:
            if key in self._pages:
                self._drop(key)

    def _drop(self, key: str) -> None:
        _expires, page = self._pages.pop(key)
        self._bytes -= len(page.content)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


local_pages = LocalPages()

# Part of every key: a release that changes what a stored page must carry raises it, and the
# pages an older release stored are misses from the first request. 2: pages carry their own
# Content-Security-Policy with the hash of their KaTeX sheet (web/csp.py); a page stored
# before has inline styles, which the policy now set on every hit would refuse.
PAGE_FORMAT = 2

# Set on every response of this middleware for the benchmarks and the curious; not stored.
_NOT_STORED = {"x-cache", "set-cookie"}


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{PAGE_FORMAT}:{request.get_host()}:{digest}"
        try:
            epoch, stamp = versions.stamp()
        except DatabaseError as e:
            if not outage.database_unreachable(e):
                raise
            return self._while_unreachable(local_pages.get(key) or _shared("get", key))
        kept = local_pages.get(key)
        if _fresh(kept):
            return self._from_cache(kept)
        page = _shared("get", key)
        fallback = page or kept
        rendering = f"{key}:rendering"
        renderer = False
        if not _fresh(page):
            # None: the cache failed, and there is no one to wait for.
            renderer = _shared("add", rendering, 1, RENDER_LOCK_SECONDS)
            stale = page or kept
            if (
                renderer is False
                and stale is not None
                and versions.may_serve_stale(stale.epoch, stale.stamp)
            ):
                # Another request is rendering it: the copy it replaces, within the promise.
                return self._from_cache(stale, "stale")
            page = None if renderer in (True, None) else _wait_for(key, rendering)
        if page is not None:
            local_pages.put(key, page)
            return self._from_cache(page)
        local_pages.discard(key)
        try:
            response = self._render(request, key, epoch, stamp)
            if getattr(response, "database_unreachable", False):
                return self._while_unreachable(fallback)
            return response
        finally:
            if renderer:
                _shared("delete", rendering)

    @classmethod
    def _while_unreachable(cls, page: Page | None) -> HttpResponse:
        """The database is down: the copy kept, however old, rather than no page at all;
        unless a change to what it shows is known (a comment hidden, a summary made
        private, a restore): then the 503, never what a visitor may no longer see."""
        if page is None or not versions.fresh(page.epoch, page.stamp, page.tags, read=False):
            return outage.unavailable()
        return cls._from_cache(page, "stale-unreachable")

    @staticmethod
    def _from_cache(page: Page, how: str = "hit") -> HttpResponse:
        response = HttpResponse(page.content, status=page.status)
        for name, value in page.headers:
            response[name] = value
        response["X-Cache"] = how
        return response

    def _render(self, request, key: str, epoch: str, stamp: int) -> HttpResponse:
        replica = replicas.current()
        if replica is not None:
            # What this process knows comes from the primary; the page from its replica,
            # which may not have applied all of it yet.
            stamp = min(stamp, replicas.position(replica, epoch))
        response = self.get_response(request)
        if self._cacheable_response(response):
            response["Last-Modified"] = http_date()
            # Hashed once here and kept with the page: ConditionalGetMiddleware hashes only
            # responses that carry no ETag, so a hit no longer re-reads the whole page for it.
            set_response_etag(response)
            said = request.__dict__.get("_page_shows")
            page = Page(
                epoch=epoch,
                stamp=stamp,
                tags=tuple(sorted(said)) if said is not None else None,
                status=response.status_code,
                headers=tuple(
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in _NOT_STORED
                ),
                content=response.content,
            )
            _shared("set", key, page, settings.PAGE_CACHE_SECONDS)
            local_pages.put(key, page)
            response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_request(request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(settings.PAGE_CACHE_SKIP_PREFIXES)
        )

    @staticmethod
    def _cacheable_response(response) -> bool:
        control = response.get("Cache-Control", "")
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies  # e.g. a CSRF cookie: the page holds a token
            and "private" not in control
            and "no-store" not in control
            # Only cookie-less requests reach the cache, so "Vary: Cookie" is already honoured.
            and vary <= {"cookie", "accept-encoding"}
        )
