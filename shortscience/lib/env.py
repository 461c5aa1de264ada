"""Typed readers for settings from environment variables.

Every reader fails loudly on a value it cannot understand: a typo in an operator's
environment should stop the site at start, not surface as odd behaviour later.
A secret may also come from a file named by NAME_FILE (Docker and systemd secrets).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(RuntimeError):
    pass


def env_str(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            with open(file_name, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise ConfigError(f"{name}_FILE={file_name!r} cannot be read: {e}") from e
    return os.environ.get(name, default)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(
        f"{name}={raw!r} is not a boolean (use one of 1/0, true/false, yes/no, on/off)"
    )


def _env_number(name: str, default, cast, what: str):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return cast(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {what}") from None


def env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _sqlite_path(parts, base_dir: str, setting: str) -> str:
    """sqlite:///relative/path (to base_dir) or sqlite:////absolute/path."""
    path = unquote(parts.path)
    if path.startswith("//"):
        path = path[1:]
    elif path.startswith("/"):
        path = os.path.join(base_dir, path[1:])
    if not path or path.endswith("/"):
        raise ConfigError(f"{setting} names no SQLite file")
    return path


def _postgres_options(url: str, options: dict[str, str]) -> dict:
    """The connection's OPTIONS. By default, parameters are bound by the server and a
    statement run 5 times on a connection is prepared: planning the paper page's few short
    queries was a fifth of its database time. A pooler in transaction mode (PgBouncer before
    1.21) cannot keep prepared statements: `?prepare_threshold=none` turns them off."""
    typed: dict = {"server_side_binding": True, "prepare_threshold": 5}
    binding = options.pop("server_side_binding", "true").lower()
    if binding not in ("true", "false"):
        raise ConfigError(f"DATABASE_URL={url!r}: server_side_binding must be true or false")
    typed["server_side_binding"] = binding == "true"
    threshold = options.pop("prepare_threshold", "5").lower()
    if threshold == "none":
        typed["prepare_threshold"] = None
    elif threshold.isdigit():
        typed["prepare_threshold"] = int(threshold)
    else:
        raise ConfigError(f"DATABASE_URL={url!r}: prepare_threshold must be a number or none")
    # A server that drops packets would hold each request until the system gives up on
    # the connection (minutes): 5 s, then the site's 503 page (web/outage.py).
    options.setdefault("connect_timeout", "5")
    return {**options, **typed}


def parse_database_url(url: str, *, base_dir: str) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry.

    Accepts sqlite:///relative/path, sqlite:////absolute/path and
    postgres://user:password@host:port/name?option=value. Anything else is refused.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        path = _sqlite_path(parts, base_dir, f"DATABASE_URL={url!r}")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue on the busy timeout instead of one failing
                # with "database is locked" half-way through a transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Keep each worker's connection between requests: opening one and running the
            # PRAGMAs above on every request cost more than serving a cached page.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    if scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r} names no database")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"DATABASE_URL={url!r} has a bad port") from None
        options = dict(parse_qsl(parts.query))
        # Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction) a
        # session's state does not outlive its transaction: no prepared statements, and no
        # server-side cursor, which QuerySet.iterator() reads in later transactions.
        pool_mode = options.pop("pool_mode", "session").lower()
        if pool_mode not in ("session", "transaction"):
            raise ConfigError(f"DATABASE_URL={url!r}: pool_mode must be session or transaction")
        if pool_mode == "transaction":
            options["prepare_threshold"] = "none"
        return {
            "DISABLE_SERVER_SIDE_CURSORS": pool_mode == "transaction",
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": _postgres_options(url, options),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(
        f"DATABASE_URL={url!r}: unsupported scheme {scheme!r} (use sqlite or postgres)"
    )


# Entries a cache on one machine keeps before it drops the ones nearest to expiring; Django's
# default (300) is fewer pages than a small site's popular papers, and a page cache that
# keeps dropping them renders most pages on every visit.
CACHE_MAX_ENTRIES = 20_000


def parse_cache_url(url: str, *, base_dir: str = ".") -> dict:
    """Turn CACHE_URL into a Django CACHES entry.

    sqlite:///path (a file shared by every worker process on one machine, no service to
    run: lib/sqlite_cache.py), locmem:// (one process's memory), redis://host:port/db (a
    cache shared by every app server; needs the `redis` package), or db://table_name
    (Django's database cache in the site's database; run createcachetable).
    """
    parts = urlsplit(url)
    options = {"MAX_ENTRIES": CACHE_MAX_ENTRIES}
    if parts.scheme == "sqlite":
        return {
            "BACKEND": "shortscience.lib.sqlite_cache.SQLiteCache",
            "LOCATION": _sqlite_path(parts, base_dir, f"CACHE_URL={url!r}"),
            "OPTIONS": options,
        }
    if parts.scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ss",
            "OPTIONS": options,
        }
    if parts.scheme in ("redis", "rediss"):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parts.scheme == "db":
        table = parts.netloc or parts.path.lstrip("/")
        if not table.isidentifier():
            raise ConfigError(f"CACHE_URL={url!r}: db://TABLE needs a table name")
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    raise ConfigError(
        f"CACHE_URL={url!r}: use sqlite:///path, locmem://, redis://host:port/db or db://table"
    )
