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

Raw SQL through `django.db.connection` (the search engines, the change log) reads the
primary: only ORM reads are routed.
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

log = logging.getLogger(__name__)

PIN_COOKIE = "wrote"
_SAFE = ("GET", "HEAD", "OPTIONS")
_reading_from: ContextVar[str | None] = ContextVar("reading_from", default=None)


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
    return _reading_from.get()


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
    has replayed all of it); raises when the replica cannot be reached or is not one."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = "
            "pg_last_wal_replay_lsn() THEN 0 ELSE "
            "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        recovering, seconds = cursor.fetchone()
    if not recovering:
        raise NotAReplica(alias)
    return float(seconds or 0)


class NotAReplica(Exception):
    pass


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = _reading_from.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _token_key(request) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    return "wrote:" + hashlib.sha256(header.encode()).hexdigest()


def _wrote_lately(request) -> bool:
    if PIN_COOKIE in request.COOKIES:
        return True
    key = _token_key(request)
    return key is not None and cache.get(key) is not None


class ReplicaMiddleware:
    """Outside the page cache, so that its renders read from the replica too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.replica = process_replica()
        self._probed_at = float("-inf")
        self._usable = False

    def __call__(self, request):
        if self.replica is None:
            return self.get_response(request)
        if request.method not in _SAFE:
            response = self.get_response(request)
            # Said even when the write failed: reading the primary a few seconds costs little.
            seconds = settings.REPLICA_PIN_SECONDS
            key = _token_key(request)
            if key is not None:
                cache.set(key, 1, seconds)
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        if _wrote_lately(request) or not self._replica_usable():
            return self.get_response(request)
        token = _reading_from.set(self.replica)
        try:
            return self.get_response(request)
        finally:
            _reading_from.reset(token)

    def _replica_usable(self) -> bool:
        """Whether the replica answers and keeps up (REPLICA_MAX_LAG_SECONDS), asked at most
        once a second: a replica down or behind sends this process's reads to the primary
        until it is back, instead of an error page or old pages."""
        now = time.monotonic()
        if now - self._probed_at >= 1.0:
            self._probed_at = now
            try:
                self._usable = lag(self.replica) <= settings.REPLICA_MAX_LAG_SECONDS
            except (DatabaseError, NotAReplica):
                # (Django closes the broken connection when the request ends.)
                log.warning("Replica %s unusable; reading from the primary", self.replica)
                self._usable = False
        return self._usable
