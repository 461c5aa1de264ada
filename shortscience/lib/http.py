"""The one way ShortScience talks to other sites: timeouts, a User-Agent with a contact
address, retries with backoff on 429 and 5xx (honouring Retry-After), a polite minimum
interval per host, and a small on-disk response cache.

Framework-free; papers.sources builds one client from settings. Tests point the sources'
base URLs at a local server of recorded responses, so this code runs for real in tests.
It fetches only the sources' base URLs from settings, never a URL a visitor typed, so it
does not screen out private addresses (a mirror on the operator's own network is allowed).
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAX_BODY = 50 * 1024 * 1024  # no source answer we read is anywhere near this


class FetchError(Exception):
    """The request did not produce a usable answer (network, timeout, status after retries)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        charset = "utf-8"
        ctype = self.headers.get("content-type", "")
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know: read it as UTF-8
            return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


@dataclass
class HttpClient:
    user_agent: str = "ShortScience/0.1 (mailto:admin@localhost)"
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0  # seconds; doubled on each retry when the server gives no Retry-After
    max_retry_after: float = 60.0
    # host -> minimum seconds between two requests to it (arXiv asks for 3)
    min_interval: dict[str, float] = field(default_factory=dict)
    cache_dir: Path | None = None
    cache_seconds: float = 24 * 3600
    sleep: Callable[[float], None] = time.sleep  # replaced in tests to keep them fast

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def get(
        self, url: str, *, params: dict | None = None, accept: str = "", use_cache: bool = True
    ) -> Response:
        """GET url; returns the final Response whatever its status (404 is an answer, not an
        error), raising FetchError only when no answer came or 429/5xx persisted."""
        if params:
            url = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        if not url.startswith(("http://", "https://")):
            raise FetchError(f"refusing a non-HTTP URL: {url!r}")
        cached = self._cache_read(url, accept) if use_cache else None
        if cached is not None:
            return cached
        attempt = 0
        while True:
            self._wait_turn(url)
            try:
                response = self._send(url, accept)
            except (urllib.error.URLError, TimeoutError, OSError) as e:
                if attempt >= self.retries:
                    raise FetchError(f"{url}: {getattr(e, 'reason', e)}") from e
                delay = self.backoff * 2**attempt
            else:
                if response.status != 429 and response.status < 500:
                    if response.status == 200 and use_cache:
                        # A cache that cannot be written costs a refetch, never the answer.
                        with contextlib.suppress(OSError):
                            self._cache_write(url, accept, response)
                    return response
                if attempt >= self.retries:
                    raise FetchError(
                        f"{url}: HTTP {response.status} after {attempt + 1} tries", response.status
                    )
                asked = _retry_after(response.headers.get("retry-after", ""))
                delay = asked if asked is not None else self.backoff * 2**attempt
            attempt += 1
            self.sleep(min(delay, self.max_retry_after))

    def _send(self, url: str, accept: str) -> Response:
        headers = {"User-Agent": self.user_agent}
        if accept:
            headers["Accept"] = accept
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked in get()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:  # noqa: S310
                body = r.read(MAX_BODY + 1)
                status, headers_in, final_url = r.status, r.headers, r.url
        except urllib.error.HTTPError as e:
            body = e.read(MAX_BODY + 1)
            status, headers_in, final_url = e.code, e.headers, url
        if len(body) > MAX_BODY:
            raise FetchError(f"{url}: answer larger than {MAX_BODY} bytes")
        return Response(final_url, status, {k.lower(): v for k, v in headers_in.items()}, body)

    def _wait_turn(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).hostname or ""
        interval = self.min_interval.get(host, 0.0)
        if not interval:
            return
        # One lock for all hosts: the wait is computed and the slot taken atomically, so two
        # threads cannot both decide the host is free; the sleep happens outside the lock.
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last.get(host, 0.0) + interval)
            self._last[host] = start
        if start > now:
            self.sleep(start - now)

    def _cache_path(self, url: str, accept: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.json"

    def _cache_read(self, url: str, accept: str) -> Response | None:
        path = self._cache_path(url, accept)
        if path is None or not path.exists():
            return None
        if time.time() - path.stat().st_mtime > self.cache_seconds:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Response(
                data["url"], data["status"], data["headers"], data["body"].encode("latin-1")
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # a damaged cache entry is a miss, never an error

    def _cache_write(self, url: str, accept: str, response: Response) -> None:
        path = self._cache_path(url, accept)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
        data = {
            "url": response.url,
            "status": response.status,
            "headers": response.headers,
            "body": response.body.decode("latin-1"),
        }
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader sees the old entry or the new one, never half


def _retry_after(value: str) -> float | None:
    """Seconds a Retry-After header asks for; None when there is no usable header."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP dates are always UTC
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - time.time())
