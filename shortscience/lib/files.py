"""Reading the big files operators import."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO


def open_maybe_gzip(path: str | Path) -> IO[bytes]:
    """The file as a binary stream, decompressed if it is gzip. Known by its first two
    bytes, not its name: people rename these files."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")
