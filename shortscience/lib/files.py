"""Reading the big files operators import."""

from __future__ import annotations

import gc
import gzip
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple, TypeVar

T = TypeVar("T")


def open_maybe_gzip(path: str | Path) -> IO[bytes]:
    """The file as a binary stream, decompressed if it is gzip. Known by its first two
    bytes, not its name: people rename these files."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


@contextmanager
def collector_spares_older_objects() -> Iterator[None]:
    """While a big file is imported, keep the garbage collector's full passes off the
    objects that existed before it (Django, models, settings: a hundred thousand of them).

    An import keeps a batch of records alive between writes, so they outlive the young
    generations, and every few thousand records Python walks the whole heap for cycles:
    a tenth of a bulk import's time. Those older objects are frozen (gc.freeze) for the
    length of the import and given back to the collector after it, unless someone else
    had frozen objects already. Records hold no cycles, so nothing is kept longer.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Failed(NamedTuple):
    error: BaseException


_DONE = object()


def read_ahead(items: Iterable[T], *, chunk: int = 500, chunks: int = 8) -> Iterator[T]:
    """`items`, drawn by a thread of their own up to `chunk * chunks` ahead of the caller.

    Reading and parsing a file is Python work; the bulk import's writes spend much of their
    time where Python lets go of the interpreter lock (inside SQLite, in the database server,
    waiting on KaTeX), so with the reading in a thread of its own the two overlap on a
    machine's second core. The items cross in lists of `chunk` (one queue operation each,
    not one per item). An exception in the reader is raised here, in the caller's thread;
    when the caller stops early (an error, Ctrl-C), the reader stops at its next chunk.
    """
    handoff: queue.Queue = queue.Queue(maxsize=chunks)
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            pending: list[T] = []
            for item in items:
                pending.append(item)
                if len(pending) >= chunk:
                    if not put(pending):
                        return
                    pending = []
            if put(pending):
                put(_DONE)
        except BaseException as e:  # handed to the caller, who decides
            put(_Failed(e))
        finally:
            close = getattr(items, "close", None)  # a generator's open file, now
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while (got := handoff.get()) is not _DONE:
            if isinstance(got, _Failed):
                raise got.error
            yield from got
    finally:
        stop.set()
        reader.join(timeout=5)
