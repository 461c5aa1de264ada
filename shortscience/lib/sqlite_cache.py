"""A Django cache in a SQLite file: shared by every worker process on one machine.

The one-machine set-up runs several gunicorn workers. With the per-process memory cache each
of them renders and keeps its own copy of every page, so a page is rendered once per worker
and most first visits are misses; Redis would share one copy but is another service to run.
A SQLite file next to the database shares the copy between processes without a service: a
hit is one primary-key read (tens of microseconds, the pages stay in the OS's file cache),
and it survives restarts. Its own file, not a table in the site's database, so that storing
pages never waits on, or holds up, the site's writes.

    CACHE_URL=sqlite:///var/cache.sqlite3    (the default outside tests; see lib/env.py)

Values are pickled, as Django's other backends do. Entries past their time are not returned
and are removed by a sweep every CULL_EVERY writes, which also trims the file to MAX_ENTRIES
by dropping the entries closest to expiring.
"""

from __future__ import annotations

import logging
import os
import pickle
import sqlite3
import threading
import time
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    expires REAL NOT NULL,
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires);
"""
_FOREVER = float("inf")
logger = logging.getLogger(__name__)


class SQLiteCache(BaseCache):
    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self.path = Path(location)
        options = params.get("OPTIONS", {})
        self.cull_every = int(options.get("CULL_EVERY", 500))
        self._local = threading.local()
        self._writes = 0

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and per process: gunicorn forks workers after import,
        # and a SQLite connection must not cross a fork or be shared between threads.
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                db = self._connect_when_free()
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError:
                # Not a database, or one a power cut left broken (see _connect): start over.
                logger.warning("cache file %s unreadable; starting an empty one", self.path)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                db = self._connect_when_free()
            local.db, local.pid = db, os.getpid()
        return local.db

    def _connect_when_free(self) -> sqlite3.Connection:
        # "database is locked" (an OperationalError) says another worker is opening or
        # writing the same file, which is fine: wait and try again. Only a file that is not a
        # database (a plain DatabaseError) is one to start over: deleting a locked file
        # pulled it from under the workers that had it open (bench/load.py, 5 workers on a
        # fresh file, 6 times in 40 starts).
        for attempt in range(50):
            try:
                return self._connect()
            except sqlite3.OperationalError as error:
                if ("locked" not in str(error) and "busy" not in str(error)) or attempt == 49:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        # WAL: readers never wait for a writer. synchronous=OFF: never an fsync. With NORMAL,
        # each checkpoint of the log fsynced the file while every writer (a page being
        # stored, a render lock taken) waited on it: the paper page under load went from 43%
        # to 75% of the trivial view's throughput without them (bench/load.py). The price: a
        # power cut (not a crash of the site) can leave the file broken, and it is then
        # emptied and started again, which for a cache is a cold start and nothing more.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        return db

    def _expiry(self, timeout) -> float:
        seconds = self.get_backend_timeout(timeout)
        return _FOREVER if seconds is None else seconds

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute("SELECT value FROM cache WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        # Only this site's processes write the file, as with Django's file and Redis caches.
        return default if row is None else pickle.loads(row[0])  # noqa: S301

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        self._db().execute(
            "INSERT OR REPLACE INTO cache (key, expires, value) VALUES (?, ?, ?)",
            (key, self._expiry(timeout), blob),
        )
        self._writes += 1  # shared by threads unlocked: it only spaces out the sweeps
        if self._writes % self.cull_every == 0:
            self.cull()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        db = self._db()
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with _immediate(db):
            db.execute("DELETE FROM cache WHERE key = ? AND expires <= ?", (key, time.time()))
            added = db.execute(
                "INSERT OR IGNORE INTO cache (key, expires, value) VALUES (?, ?, ?)",
                (key, self._expiry(timeout), blob),
            ).rowcount
        return bool(added)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        changed = (
            self._db()
            .execute(
                "UPDATE cache SET expires = ? WHERE key = ? AND expires > ?",
                (self._expiry(timeout), key, time.time()),
            )
            .rowcount
        )
        return bool(changed)

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._db().execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount)

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        row = (
            self._db()
            .execute("SELECT 1 FROM cache WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row is not None

    def clear(self) -> None:
        self._db().execute("DELETE FROM cache")

    def close(self, **kwargs) -> None:
        # Django calls this at the end of every request; the connection is kept for the next
        # one, as opening a file costs more than the read it would serve.
        pass

    def cull(self) -> None:
        """Drop expired entries, then the ones closest to expiring beyond MAX_ENTRIES."""
        db = self._db()
        with _immediate(db):
            db.execute("DELETE FROM cache WHERE expires <= ?", (time.time(),))
            (count,) = db.execute("SELECT COUNT(*) FROM cache").fetchone()
            excess = count - self._max_entries
            if excess > 0:
                # Past the limit, remove a share (1/CULL_FREQUENCY, Django's option) at once
                # rather than one entry per write.
                excess = max(excess, count // self._cull_frequency)
                db.execute(
                    "DELETE FROM cache WHERE key IN "
                    "(SELECT key FROM cache ORDER BY expires LIMIT ?)",
                    (excess,),
                )


class _immediate:
    """BEGIN IMMEDIATE ... COMMIT: a read-then-write that no other process can split."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")
