"""Server-side KaTeX: one long-lived node process, one round trip per document.

Starting node and loading KaTeX costs ~100 ms, rendering a formula a fraction of a
millisecond, so the worker (katex_worker.js) stays up and every document sends all its
formulas in one JSON line. Requests are serialized by a lock: the worker is
single-threaded anyway, and a second worker per thread would cost memory for no
throughput on a site that renders on save, not on view.

Configuration (environment): NODE_BINARY (default "node"), KATEX_TIMEOUT_SECONDS
(default 10). KaTeX itself is loaded from the project's node_modules (`npm install`).
"""

from __future__ import annotations

import atexit
import contextlib
import html
import json
import os
import select
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from shortscience.lib.env import ConfigError, env_str

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER_SCRIPT = Path(__file__).resolve().with_name("katex_worker.js")
DEFAULT_KATEX_DIR = PROJECT_ROOT / "node_modules" / "katex"

_STARTUP_SECONDS = 30.0
_READ_CHUNK = 1 << 16


def _env_seconds(name: str, default: float) -> float:
    raw = env_str(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if not value > 0:
        raise ConfigError(f"{name}={raw!r} is not a positive number of seconds")
    return value


class KatexUnavailable(RuntimeError):
    """node or KaTeX cannot be started: a deployment problem, not a bad formula."""


def error_span(tex: str, message: str) -> str:
    """The markup KaTeX itself uses for a formula it cannot render (throwOnError false)."""
    return (
        f'<span class="katex-error" title="{html.escape(message)}" style="color:#cc0000">'
        f"{html.escape(tex)}</span>"
    )


class _WorkerDied(Exception):
    pass


class _Timeout(Exception):
    pass


class KatexEngine:
    def __init__(
        self,
        *,
        node_binary: str | None = None,
        katex_dir: Path | str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.node_binary = node_binary or env_str("NODE_BINARY", "node") or "node"
        self.katex_dir = Path(katex_dir) if katex_dir else DEFAULT_KATEX_DIR
        self.timeout = timeout if timeout is not None else _env_seconds("KATEX_TIMEOUT_SECONDS", 10)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner_pid = 0
        self._buffer = b""
        self._next_id = 0
        self.version = ""

    # -- lifecycle -------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _alive(self) -> bool:
        # A worker inherited through fork() shares its pipes with the parent; talking to
        # it from two processes would interleave answers, so a child starts its own.
        return (
            self._proc is not None and self._proc.poll() is None and self._owner_pid == os.getpid()
        )

    def _start(self) -> None:
        self._stop()
        if not WORKER_SCRIPT.exists():
            raise KatexUnavailable(f"KaTeX worker script is missing: {WORKER_SCRIPT}")
        if not (self.katex_dir / "package.json").exists():
            raise KatexUnavailable(
                f"KaTeX is not installed at {self.katex_dir}; run `npm install` in {PROJECT_ROOT}"
            )
        try:
            proc = subprocess.Popen(  # noqa: S603 -- fixed argv, no shell; the binary is the operator's setting
                [self.node_binary, str(WORKER_SCRIPT), str(self.katex_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # stderr is inherited: a crash in node should land in the server's log.
                cwd=str(PROJECT_ROOT),
                close_fds=True,
            )
        except OSError as e:
            raise KatexUnavailable(
                f"cannot start node ({self.node_binary!r}): {e}. Install Node.js or set NODE_BINARY."
            ) from e
        self._proc = proc
        self._owner_pid = os.getpid()
        self._buffer = b""
        os.set_blocking(proc.stdout.fileno(), False)  # type: ignore[union-attr]
        os.set_blocking(proc.stdin.fileno(), False)  # type: ignore[union-attr]
        try:
            hello = self._read_line(time.monotonic() + max(_STARTUP_SECONDS, self.timeout))
        except (_WorkerDied, _Timeout, ValueError) as e:
            self._stop()
            raise KatexUnavailable(f"the KaTeX worker did not start ({self.node_binary!r})") from e
        if not hello.get("ready"):
            self._stop()
            raise KatexUnavailable(f"the KaTeX worker did not start: {hello.get('fatal', hello)}")
        self.version = str(hello.get("version", ""))

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._owner_pid == os.getpid():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        with self._lock:
            self._stop()

    # -- pipe I/O with a deadline ----------------------------------------------------

    def _write_all(self, data: bytes, deadline: float) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        fd = self._proc.stdin.fileno()
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                raise _Timeout
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            except OSError as e:  # BrokenPipeError: the worker is gone
                raise _WorkerDied from e
            view = view[n:]

    def _read_line(self, deadline: float) -> dict:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        chunks = [self._buffer]
        # Only the newest chunk can hold the newline; searching it alone keeps a 50 MB
        # answer linear instead of rescanning the whole buffer on every read.
        newline = self._buffer.find(b"\n")
        while newline < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                raise _Timeout
            try:
                chunk = os.read(fd, _READ_CHUNK)
            except BlockingIOError:
                continue
            except OSError as e:
                raise _WorkerDied from e
            if not chunk:
                raise _WorkerDied
            chunks.append(chunk)
            pos = chunk.find(b"\n")
            if pos >= 0:
                newline = sum(len(c) for c in chunks[:-1]) + pos
        data = b"".join(chunks)
        line, self._buffer = data[:newline], data[newline + 1 :]
        return json.loads(line)

    def _exchange(self, items: list[tuple[str, bool]], documents: list[int] | None) -> list[str]:
        if not self._alive():
            self._start()
        self._next_id += 1
        request_id = self._next_id
        request: dict = {"id": request_id, "items": items}
        if documents is not None:
            request["documents"] = documents
        # ASCII JSON: a lone surrogate in a formula travels as a \u escape instead of
        # failing to encode (and being taken for a dead worker).
        payload = json.dumps(request) + "\n"
        deadline = time.monotonic() + self.timeout
        self._write_all(payload.encode("utf-8"), deadline)
        while True:
            answer = self._read_line(deadline)
            if answer.get("id") == request_id:
                break
        result = answer.get("html")
        if not isinstance(result, list) or len(result) != len(items):
            raise _WorkerDied(f"malformed answer from the KaTeX worker: {str(answer)[:200]}")
        return [str(h) for h in result]

    # -- public ----------------------------------------------------------------------

    def render_many(
        self, items: list[tuple[str, bool]], documents: list[int] | None = None
    ) -> list[str]:
        """Render (tex, display) pairs to HTML+MathML, in order: one document's formulas
        (a \\gdef in one holds in the later ones), or, given `documents` (how many formulas
        each has, in order), several documents' that share nothing.

        A formula KaTeX rejects becomes its katex-error span. A batch that times out or
        crashes the worker twice becomes error spans too: a hostile document must cost a
        bounded amount and never stop the page. Only a missing node or KaTeX raises.
        """
        if not items:
            return []
        items = [(str(tex), bool(display)) for tex, display in items]
        with self._lock, _timed():
            for attempt in range(2):
                try:
                    return self._exchange(items, documents)
                except _Timeout:
                    # Killing is the only way to stop a busy single-threaded worker; the
                    # next document pays the ~100 ms restart.
                    self._stop()
                    message = f"KaTeX took longer than {self.timeout:g} s for this document"
                    return [error_span(tex, message) for tex, _ in items]
                except (_WorkerDied, ValueError):
                    # The worker died between documents (killed, OOM) or under this one;
                    # one retry on a fresh worker tells the two apart.
                    self._stop()
                    if attempt == 1:
                        message = "the KaTeX worker crashed on this document"
                        return [error_span(tex, message) for tex, _ in items]
        raise AssertionError("unreachable")


_spent = threading.local()


def seconds_spent() -> float:
    """The time KaTeX has worked for this thread's documents so far (from the moment the
    worker is ours, not counting the wait for it): the machine's time that a render costs
    beyond the thread's own CPU time. accounts/ratelimit.py charges it to the writer."""
    return getattr(_spent, "seconds", 0.0)


@contextlib.contextmanager
def _timed() -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        _spent.seconds = seconds_spent() + time.perf_counter() - start


_default_engine: KatexEngine | None = None
_default_lock = threading.Lock()


def get_engine() -> KatexEngine:
    global _default_engine
    if _default_engine is None:
        with _default_lock:
            if _default_engine is None:
                _default_engine = KatexEngine()
    return _default_engine


def render_many(items: list[tuple[str, bool]], documents: list[int] | None = None) -> list[str]:
    """Render (tex, display) pairs with the process-wide engine (KatexEngine.render_many)."""
    return get_engine().render_many(items, documents)


def _after_fork_in_child() -> None:
    # A lock held by another thread at fork() time stays held forever in the child; the
    # worker itself is replaced on first use (see KatexEngine._alive).
    if _default_engine is not None:
        _default_engine._lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _shutdown() -> None:
    if _default_engine is not None:
        _default_engine.close()
