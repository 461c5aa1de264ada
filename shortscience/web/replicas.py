"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), writes to the primary.

Which requests read from a replica is decided here, once, by the middleware: a GET or HEAD
from a browser or token that wrote nothing in the last REPLICA_PIN_SECONDS. Everything else
reads from the primary: writes and what they read first, any read inside a transaction,
management commands and the worker (no request: they may read what they just queued), and
a member who has just written, who must see their own comment on the page they are sent
back to. A browser that writes gets a short cookie saying so; a token's writes are noted
in the shared cache under a hash of the token, since API clients keep no cookies.

Each process reads from one replica (chosen by its pid), and the page cache stamps a page
rendered from it with no more than the replica's own change clock (`position()`): the
process's knowledge of changes comes from the primary, which may be ahead, and a page must
never claim to show a change its replica had not applied yet.

Raw SQL through `django.db.connection` (the change log) reads the primary: ORM reads are
routed, and the search engine asks the router for its connection.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from shortscience.web.changes import versions

log = logging.getLogger(__name__)

PIN_COOKIE = "wrote"
_SAFE = ("GET", "HEAD", "OPTIONS")


def aliases() -> list[str]:
    """The replicas' database aliases, from settings (`replica1`, `replica2`, ...)."""
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def process_replica() -> str | None:
    """The replica this process reads from: always the same one, so that what it learnt
    from one replica is never applied to a render from another, further behind."""
    names = aliases()
    return names[os.getpid() % len(names)] if names else None


def current() -> str | None:
    """The replica the request under way reads from, or None (the primary)."""
    state = _request.get()
    return None if state is None or state.wrote else state.replica


def position(alias: str, epoch: str) -> int:
    """The last content change the replica has applied (web.changes' clock), or -1 when
    its log is another epoch's: a page stamped -1 is never served from the cache."""
    from shortscience.web.models import ContentClock

    row = ContentClock.objects.using(alias).filter(pk=1).values_list("seq", "epoch").first()
    if row is None or row[1] != epoch:
        return -1
    return row[0]


def lag(alias: str) -> float:
    """Seconds the replica's replay trails what it has received from the primary (0 when it
    has replayed all of it); raises when the replica cannot be reached, is not one, or is
    not streaming from its primary (cut off, it would look up to date forever)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), "
            "(SELECT array_agg(status) FROM pg_stat_wal_receiver), "
            "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE "
            "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        recovering, receivers, seconds = cursor.fetchone()
    if not recovering:
        raise NotAReplica(f"{alias} is not in recovery")
    # No receiver: not streaming. A status of None: a role without pg_read_all_stats,
    # which sees that a receiver runs and no more.
    if not receivers or any(status not in ("streaming", None) for status in receivers):
        raise NotAReplica(f"{alias} is not streaming from its primary")
    return float(seconds or 0)


class NotAReplica(Exception):
    pass


class _Request:
    """The request under way: the replica it reads from (None: the primary) and whether it
    wrote, after which it reads the primary too."""

    __slots__ = ("replica", "wrote")

    def __init__(self, replica: str | None):
        self.replica = replica
        self.wrote = False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replica = current()
        if replica is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return replica

    def db_for_write(self, model, **hints):
        # A GET may write too (a sign-in by OAuth, a paper fetched on a visit): the rest of
        # the request, and the member's next requests, read what it wrote.
        state = _request.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


_request: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


def _token_key(request) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    return "wrote:" + hashlib.sha256(header.encode()).hexdigest()


def _wrote_lately(request) -> bool:
    if PIN_COOKIE in request.COOKIES:
        return True
    key = _token_key(request)
    if key is None:
        return False
    try:
        return cache.get(key) is not None
    except Exception:
        log.warning("The cache failed; a token's reads go to the primary", exc_info=True)
        return True


def _pin(request, response) -> None:
    """This browser or token reads from the primary for REPLICA_PIN_SECONDS."""
    seconds = settings.REPLICA_PIN_SECONDS
    key = _token_key(request)
    if key is not None:
        try:
            cache.set(key, 1, seconds)
        except Exception:
            # The write is done: an error here would make the client send it again.
            log.warning("The cache failed; a token's pin is not kept", exc_info=True)
    response.set_cookie(
        PIN_COOKIE,
        "1",
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


class ReplicaMiddleware:
    """Outside the page cache, so that its renders read from the replica too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._probed_at = float("-inf")
        self._usable = False
        self._behind_since: float | None = None

    def __call__(self, request):
        # Chosen per request, not at start: under gunicorn --preload every worker would
        # otherwise take the master's pid, and all of them one replica.
        replica = process_replica()
        if replica is None:
            return self.get_response(request)
        on_replica = (
            request.method in _SAFE and not _wrote_lately(request) and self._replica_usable(replica)
        )
        state = _Request(replica if on_replica else None)
        token = _request.set(state)
        try:
            response = self.get_response(request)
            if on_replica and not state.wrote and getattr(response, "database_unreachable", 0):
                # The replica failed under this request: leave it until it is back and ask
                # the primary (a GET changes nothing: asking again is safe).
                log.warning("Replica %s failed; reading from the primary", replica)
                self._usable, self._probed_at = False, time.monotonic()
                state.replica = None
                response = self.get_response(request)
        finally:
            _request.reset(token)
        if (
            request.method not in _SAFE
            or state.wrote
            or settings.SESSION_COOKIE_NAME in response.cookies
        ):
            # Said even when a write failed: reading the primary a few seconds costs little.
            _pin(request, response)
        return response

    def _replica_usable(self, replica: str) -> bool:
        """Whether the replica answers, streams and keeps up, asked at most once a second:
        its replay within REPLICA_MAX_LAG_SECONDS of what it received, and its change clock
        not behind what this process knows of the primary's for longer than that. A
        replica down, cut off or behind sends this process's reads to the primary until it
        is back, instead of error pages or old pages."""
        now = time.monotonic()
        if now - self._probed_at < 1.0:
            return self._usable
        self._probed_at = now
        limit = settings.REPLICA_MAX_LAG_SECONDS
        try:
            replaying = lag(replica) <= limit
            epoch, known = versions.epoch, versions.synced
            # (No epoch: this process has not read the log, its page cache being off.)
            if not epoch or position(replica, epoch) >= known:
                self._behind_since = None
            elif self._behind_since is None:
                self._behind_since = now
            self._usable = replaying and (
                self._behind_since is None or now - self._behind_since <= limit
            )
        except (DatabaseError, NotAReplica) as e:
            # (Django closes the broken connection when the request ends.)
            log.warning("Replica %s unusable (%s); reading from the primary", replica, e)
            self._usable = False
        return self._usable
