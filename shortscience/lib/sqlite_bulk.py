"""SQLite settings for a connection that writes in bulk (an import, an index rebuild)."""

from __future__ import annotations

# SQLite's page cache for a bulk import's connection. The default (2 MB) stops holding the
# upper levels of the tables' and indexes' B-trees at a few hundred thousand papers, and each
# batch's lookups and inserts then read pages back from the OS: 300k records took 95 s with
# the cache at its minimum, 45 s with the default and 39 s with 128 MB (bench/import_arxiv.py).
# It is a fixed amount of memory, whatever the size of the file being imported.
SQLITE_BULK_CACHE_MIB = 128


def tune(cursor) -> None:
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_MIB * 1024}")
    # Let the write-ahead log grow to ~400 MB before copying it into the database. With the
    # default (4 MB) every batch's commit also paid for a checkpoint; at 64 MB, past half a
    # million papers, the commits of a 50,000-record import took 4.4 s of its 15.4 (each
    # batch's inserts dirty pages all over the grown indexes, and a page written by several
    # batches between two checkpoints is copied once per checkpoint): 2.9 s at 400 MB, and
    # 1M records 233.6 s -> 229.2 s end to end (bench/import_arxiv.py). Disk, not memory:
    # readers are unaffected, and the log shrinks back at the next checkpoint.
    cursor.execute("PRAGMA wal_autocheckpoint = 100000")
