"""A whole-page cache for visitors who are not logged in, invalidated by a content version.

Every write to something a public page shows bumps one counter (`ContentVersion`, a row in
the database, so every app server sees it at once); cached pages are keyed by that counter,
so a page is never served from before the last write. One indexed read per request is the
price; a hit then costs no template rendering and no other query. Votes and comments bump it
too, so on a busy site pages live seconds rather than minutes: the trade-off accepted for
never showing a stale score or a hidden summary after moderation.

Each process also keeps the pages it served last in its own memory, in front of the shared
cache (`LocalPages`): a popular page is then served without even the shared cache's round
trip.

Only anonymous GETs without a session cookie are cached (a logged-in page carries the
member's name, votes and CSRF token), and only responses that set no cookie.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import set_response_etag
from django.utils.http import http_date

# Rows written all the time that no public page shows: saving them must not empty the cache.
_IGNORED = {
    "migrations.migration",
    "sessions.session",
    "accounts.tokenbucket",
    "web.contentversion",
    "ranking.dailyviews",
    "papers.importcheckpoint",
    "notifications.notification",
    "notifications.outboxemail",
    "notifications.notificationsettings",
    "notifications.follow",
    "moderation.report",
    "account.emailconfirmation",
    "uploads.upload",
}


# This process's last read of the version: (read until, (number, changed)).
_UNREAD: tuple[float, tuple] = (0.0, (0, None))
_last_read = _UNREAD


def current_version():
    """The content version, read from the database at most once per
    PAGE_CACHE_VERSION_SECONDS in each process. On PostgreSQL the read is a round trip (two,
    with the connection's health check) on every anonymous request, more than the rest of a
    cache hit; re-using it for a second means a visitor may see a page up to that long after
    another app server's write. A write in this process is seen at once (bump() below)."""
    from shortscience.web.models import ContentVersion

    global _last_read
    now = time.monotonic()
    until, version = _last_read
    if now < until:
        return version
    version = ContentVersion.current()
    _last_read = (now + settings.PAGE_CACHE_VERSION_SECONDS, version)
    return version


def _bump_now() -> None:
    from shortscience.web.models import ContentVersion

    global _last_read
    ContentVersion.bump()
    _last_read = _UNREAD


def bump(**_) -> None:
    """Invalidate every cached page, once the surrounding transaction commits."""
    transaction.on_commit(_bump_now)


def _on_change(sender, **kwargs) -> None:
    # Migrations save through historical models (module "__fake__") and record themselves in
    # django_migrations, before this table exists.
    if sender.__module__ != "__fake__" and sender._meta.label_lower not in _IGNORED:
        bump()


def connect_signals() -> None:
    post_save.connect(_on_change, dispatch_uid="web.pages.save")
    post_delete.connect(_on_change, dispatch_uid="web.pages.delete")


# A page missing from the cache is rendered by one request at a time: the others asking for
# it meanwhile wait for that copy instead of rendering their own. Without this, every write
# (which empties the cache) sent each popular page's next visitors to render it at once, and
# under load two or three renders of the same page were the rule (bench/load.py). A waiter
# renders itself when the renderer finishes without storing a page (a 404, a page with a
# cookie) or when the lock expires (a renderer that died); it waits as long as the lock
# lasts, since a page slow to render is the one that most needs rendering once.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = RENDER_LOCK_SECONDS
_POLL_SECONDS = 0.005


def _wait_for(key: str, rendering: str):
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        hit = cache.get(key)
        if hit is not None:
            return hit
        if cache.get(rendering) is None:
            # The renderer stores the page before it lets go of the lock: read once more,
            # or a page stored between the two reads above would be rendered again.
            return cache.get(key)
    return None


class LocalPages:
    """The pages this process served last, newest kept, up to PAGE_CACHE_LOCAL_BYTES of page
    bodies. With Redis as the shared cache, a hit there is a network round trip and a copy of
    the whole page, which cost more than the rest of a hit (bench/load.py); here it is a
    dictionary look-up. It cannot serve a stale page: keys carry the content version, so a
    write makes new keys, and every entry is dropped as soon as a newer version is seen.
    Entries also expire with PAGE_CACHE_SECONDS, like the shared cache's."""

    def __init__(self):
        self._lock = threading.Lock()  # gthread workers share the process
        self._pages: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
        self._bytes = 0
        self._version = None

    def _follow(self, version) -> None:
        if version != self._version:
            self._empty()
            self._version = version

    def _empty(self) -> None:
        self._pages.clear()
        self._bytes = 0

    def get(self, key: str, version):
        if settings.PAGE_CACHE_LOCAL_BYTES <= 0:
            return None
        with self._lock:
            self._follow(version)
            entry = self._pages.get(key)
            if entry is None:
                return None
            expires, page = entry
            if time.monotonic() >= expires:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, version, page: tuple) -> None:
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        size = len(page[2])
        if limit <= 0 or size > limit // 16:  # a huge page must not push out a hundred small ones
            return
        with self._lock:
            self._follow(version)
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (time.monotonic() + settings.PAGE_CACHE_SECONDS, page)
            self._bytes += size
            while self._bytes > limit:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: str) -> None:
        _expires, page = self._pages.pop(key)
        self._bytes -= len(page[2])

    def clear(self) -> None:
        with self._lock:
            self._empty()


local_pages = LocalPages()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._cacheable_request(request):
            return self.get_response(request)
        number, changed = current_version()
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{number}:{request.get_host()}:{digest}"
        hit = local_pages.get(key, number)
        if hit is not None:
            return self._from_cache(request, hit)
        hit = cache.get(key)
        rendering = f"{key}:rendering"
        renderer = False
        if hit is None:
            renderer = cache.add(rendering, 1, RENDER_LOCK_SECONDS)
            if not renderer:
                hit = _wait_for(key, rendering)
        if hit is not None:
            local_pages.put(key, number, hit)
            return self._from_cache(request, hit)
        try:
            return self._render(request, key, number, changed)
        finally:
            if renderer:
                cache.delete(rendering)

    def _from_cache(self, request, hit) -> HttpResponse:
        status, headers, content = hit
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        response["X-Cache"] = "hit"
        return response

    def _render(self, request, key: str, number, changed):
        response = self.get_response(request)
        if self._cacheable_response(response):
            response["Last-Modified"] = http_date(changed.timestamp())
            # Hashed once here and kept with the page: ConditionalGetMiddleware hashes only
            # responses that carry no ETag, so a hit no longer re-reads the whole page for it.
            set_response_etag(response)
            headers = {
                name: response[name]
                for name in (
                    "Content-Type",
                    "Content-Language",
                    "Last-Modified",
                    "ETag",
                    "X-Robots-Tag",
                )
                if response.has_header(name)
            }
            page = (response.status_code, headers, response.content)
            cache.set(key, page, settings.PAGE_CACHE_SECONDS)
            local_pages.put(key, number, page)
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
