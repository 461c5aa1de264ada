"""Reading the big files operators import."""

from __future__ import annotations

import gc
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def is_gzip(path: str | Path) -> bool:
    """Known by its first two bytes, not its name: people rename these files."""
    with open(path, "rb") as raw:
        return raw.read(2) == b"\x1f\x8b"


def open_maybe_gzip(path: str | Path) -> IO[bytes]:
    """The file as a binary stream, decompressed if it is gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


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
