"""The full-text index of papers, one per engine, kept beside papers_paper.

SQLite: an FTS5 table `papers_paper_fts(title, authors, abstract, venue, identifiers,
categories, year)` whose rowid is the paper id (tokenizer unicode61, diacritics removed),
and `papers_paper_title_fts` with the short fields only, copied from it.

PostgreSQL: a side table `papers_paper_search(paper_id, document, short_document, facets)`
with GIN indexes: `document` is the weighted tsvector the ranking reads (title A, authors B,
venue and identifiers C, abstract D); `short_document` the same without the abstract, whose
much shorter posting lists the search's title tier reads; `facets` what only filters read
(categories A, year B). All are built with the 'simple' configuration over
`shortscience_fold(text)` (unaccent, lower case, punctuation to spaces; abstracts without
the last step, see migration 0006): no stemming, so both engines find the same
papers for the same words (SQLite's unicode61 does not stem either), and author names and
non-English titles are not mangled by an English stemmer. A side table rather than columns
on papers_paper keeps the wide vectors out of every paper query and the Paper model.

Kept in sync by upsert_paper() and merges, one paper at a time. A bulk import indexes its
new papers as its batches commit (add_new_papers() on SQLite, Follower on PostgreSQL), and
`manage.py rebuild_search_index` indexes what is left: paper ids in ranges inside the
database itself (INSERT ... SELECT), resumable from a checkpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import connection

from shortscience.papers.models import ImportCheckpoint

TABLE = "papers_paper_fts"
# The short fields again, in a small table of their own: the search's title tier walks its
# doclists, which are ~15x shorter than the big table's (shortscience/search/sqlite.py).
TITLE_TABLE = "papers_paper_title_fts"
TITLE_COLUMNS = ("title", "authors", "venue", "categories", "year")
PG_TABLE = "papers_paper_search"
CHECKPOINT = "search-index"
COLUMNS = ("title", "authors", "abstract", "venue", "identifiers", "categories", "year")

# Title, authors in order, abstract, venue, identifiers (as added), categories (by their
# keyword's id), year; merged-away papers are not in the index. Each extra column is one
# indexed lookup per paper. The orders are said, so that the importer, which indexes new
# papers from its records (add_new_papers), writes the same text.
_SELECT = """
    SELECT p.id, p.title,
           COALESCE((SELECT group_concat(name, ', ') FROM (
               SELECT a.name AS name FROM papers_paperauthor pa
               JOIN papers_author a ON a.id = pa.author_id
               WHERE pa.paper_id = p.id ORDER BY pa.position)), ''),
           p.abstract,
           COALESCE((SELECT v.name || ' ' || v.key FROM papers_venue v WHERE v.id = p.venue_id), ''),
           COALESCE((SELECT group_concat(value, ' ') FROM (
               SELECT i.value AS value FROM papers_paperidentifier i
               WHERE i.paper_id = p.id ORDER BY i.id)), ''),
           COALESCE((SELECT group_concat(name, ' ') FROM (
               SELECT k.name AS name FROM papers_paper_keywords pk
               JOIN papers_keyword k ON k.id = pk.keyword_id WHERE pk.paper_id = p.id
               ORDER BY k.id)), ''),
           COALESCE(p.year, '')
    FROM papers_paper p
    WHERE p.merged_into_id IS NULL AND {where}
"""

# The small table is filled from the big one's stored copy of the same text: no second pass
# over authors, venues and keywords.
_COPY_TITLES = (
    f"INSERT INTO {TITLE_TABLE} (rowid, {', '.join(TITLE_COLUMNS)}) "
    f"SELECT rowid, {', '.join(TITLE_COLUMNS)} FROM {TABLE} WHERE {{where}}"
)

_PG_SELECT = """
    SELECT p.id, s.short || setweight(to_tsvector('simple', shortscience_fold_long(p.abstract)), 'D'),
        s.short,
        setweight(to_tsvector('simple', shortscience_fold(
               (SELECT string_agg(k.name, ' ') FROM papers_paper_keywords pk
                JOIN papers_keyword k ON k.id = pk.keyword_id WHERE pk.paper_id = p.id))), 'A')
        || setweight(to_tsvector('simple', COALESCE(p.year::text, '')), 'B')
    FROM papers_paper p, LATERAL (SELECT
        setweight(to_tsvector('simple', shortscience_fold(p.title)), 'A')
        || setweight(to_tsvector('simple', shortscience_fold(
               (SELECT string_agg(a.name, ' ' ORDER BY pa.position) FROM papers_paperauthor pa
                JOIN papers_author a ON a.id = pa.author_id WHERE pa.paper_id = p.id))), 'B')
        || setweight(to_tsvector('simple', shortscience_fold(
               COALESCE((SELECT v.name || ' ' || v.key FROM papers_venue v WHERE v.id = p.venue_id), '')
               || ' ' || COALESCE((SELECT string_agg(i.value, ' ') FROM papers_paperidentifier i
                                   WHERE i.paper_id = p.id), ''))), 'C') AS short) s
    WHERE p.merged_into_id IS NULL AND {where}
"""
# A row another transaction wrote meanwhile (a paper saved on the site while an import's
# index follows it: their DELETE and INSERT interleave) is replaced, not a duplicate key.
_PG_UPSERT = (
    " ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document, "
    "short_document = EXCLUDED.short_document, facets = EXCLUDED.facets"
)


def supported() -> bool:
    return connection.vendor in ("sqlite", "postgresql")


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def index_papers(ids: Iterable[int]) -> None:
    """(Re)index these papers now: after a write that changed what the index holds."""
    ids = [int(i) for i in ids]
    if not ids or not supported():
        return
    marks = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        if _sqlite():
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", ids)
            cursor.execute(f"DELETE FROM {TITLE_TABLE} WHERE rowid IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) "
                + _SELECT.format(where=f"p.id IN ({marks})"),
                ids,
            )
            cursor.execute(_COPY_TITLES.format(where=f"rowid IN ({marks})"), ids)
        else:
            cursor.execute(f"DELETE FROM {PG_TABLE} WHERE paper_id IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO {PG_TABLE} (paper_id, document, short_document, facets) "
                + _PG_SELECT.format(where=f"p.id IN ({marks})")
                + _PG_UPSERT,
                ids,
            )


def index_range(after_id: int, up_to_id: int) -> int:
    """Index papers with after_id < id <= up_to_id; the rows in that range are replaced."""
    with connection.cursor() as cursor:
        if not _sqlite():
            cursor.execute(
                f"DELETE FROM {PG_TABLE} WHERE paper_id > %s AND paper_id <= %s",
                [after_id, up_to_id],
            )
            cursor.execute(
                f"INSERT INTO {PG_TABLE} (paper_id, document, short_document, facets) "
                + _PG_SELECT.format(where="p.id > %s AND p.id <= %s")
                + _PG_UPSERT,
                [after_id, up_to_id],
            )
            return cursor.rowcount
        # Past the highest indexed paper (every range of a fresh build) there is nothing to
        # replace, and an FTS5 DELETE by rowid range still walks the index's segments.
        cursor.execute(f"SELECT max(rowid) FROM {TABLE}")
        (top,) = cursor.fetchone()
        if top is not None and top > after_id:
            for table in (TABLE, TITLE_TABLE):
                cursor.execute(
                    f"DELETE FROM {table} WHERE rowid > %s AND rowid <= %s", [after_id, up_to_id]
                )
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) "
            + _SELECT.format(where="p.id > %s AND p.id <= %s"),
            [after_id, up_to_id],
        )
        count = cursor.rowcount
        cursor.execute(
            _COPY_TITLES.format(where="rowid > %s AND rowid <= %s"), [after_id, up_to_id]
        )
        return count


def index_strays() -> int:
    """PostgreSQL: index the papers at or below the checkpoint that the index lacks. Ids
    come from a sequence, so a bulk writer's batch can commit lower ids after a pass (or an
    import's Follower) moved the checkpoint past them; on SQLite one writer at a time takes
    ids in commit order. One anti-join over the papers (about 1 s at a million)."""
    if _sqlite() or not supported():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM papers_paper p WHERE p.merged_into_id IS NULL AND p.id <= %s "
            f"AND NOT EXISTS (SELECT 1 FROM {PG_TABLE} s WHERE s.paper_id = p.id)",
            [_checkpoint()],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(ids), 5000):
        index_papers(ids[start : start + 5000])
    return len(ids)


def add_new_papers(rows: list[tuple]) -> bool:
    """SQLite: index papers just inserted, from what the importer has in memory (rows of
    (id, title, authors joined by ", ", abstract, "venue-name venue-key" or "", identifiers'
    values joined by " ", keywords joined by " ", year or "") as _SELECT reads them back),
    when the index is complete up to the first of them: then the checkpoint moves past the
    last, and rebuild_search_index has nothing left to read again. False (nothing done) on
    PostgreSQL, or when the index is behind: the pass does it."""
    if not rows or not _sqlite():
        return False
    first, last = rows[0][0], rows[-1][0]
    if _checkpoint() != first - 1:
        return False
    with connection.cursor() as cursor:
        # A row already there at these ids (a paper deleted since it was indexed, its id
        # taken again) would fail the insert: the pass replaces rows, so it does these.
        cursor.execute(f"SELECT max(rowid) FROM {TABLE}")
        (top,) = cursor.fetchone()
        if top is not None and top >= first:
            return False
        marks = ", ".join("?" for _ in range(1 + len(COLUMNS)))
        cursor.cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) VALUES ({marks})", rows
        )
        cursor.execute(_COPY_TITLES.format(where="rowid >= %s AND rowid <= %s"), [first, last])
    ImportCheckpoint.objects.update_or_create(key=CHECKPOINT, defaults={"position": last})
    return True


class Follower:
    """PostgreSQL: indexes the papers a bulk import commits while the import goes on, on a
    thread and connection of their own. The work is the server's (to_tsvector of every
    abstract), so it runs on a core the importer's Python leaves idle, instead of in a pass
    after the file. Each round indexes every id up to the last batch committed, from the
    checkpoint, and moves the checkpoint with it in one transaction, as the pass does: an
    interrupted import leaves the pass (rebuild_search_index) to go on from there.

    Started on a library whose index is empty, it drops the GIN indexes first, as the
    pass's build from the start does; the pass after the import builds them again (after
    an interrupted import, the next run's pass, or `rebuild_search_index`; searches scan
    the table meanwhile)."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._committed = 0
        self._lock = threading.Lock()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {PG_TABLE})")
            (indexed_any,) = cursor.fetchone()
        if not indexed_any and _checkpoint() == 0:
            drop_pg_indexes()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="search-index")
        self._rounds: list = []

    def committed(self, up_to_id: int) -> None:
        """A batch with papers up to this id has committed."""
        with self._lock:
            self._committed = max(self._committed, up_to_id)
        for future in self._rounds:
            if future.done():
                future.result()  # a round that failed stops the import here
        self._rounds = [f for f in self._rounds if not f.done()]
        if not any(not f.running() for f in self._rounds):
            # (A round still waiting to start will take this batch too.)
            self._rounds.append(self._pool.submit(self._round))

    def _round(self) -> None:
        from django.db import transaction

        with self._lock:
            up_to = self._committed
        with transaction.atomic():
            done = _checkpoint(for_update=True)
            if up_to > done:
                index_range(done, up_to)
                ImportCheckpoint.objects.filter(key=CHECKPOINT).update(position=up_to)

    def close(self) -> None:
        """Finish the rounds under way (all of them, unless interrupted), then close the
        thread's connection. A round that failed raises here."""
        try:
            for future in self._rounds:
                future.result()
        finally:
            # Looked up in the thread: each thread has a connection of its own.
            self._pool.submit(lambda: connection.close()).result()
            self._pool.shutdown(wait=True, cancel_futures=True)


def _checkpoint(for_update: bool = False) -> int:
    if for_update:
        ImportCheckpoint.objects.get_or_create(key=CHECKPOINT, defaults={"position": 0})
        rows = ImportCheckpoint.objects.select_for_update().filter(key=CHECKPOINT)
    else:
        rows = ImportCheckpoint.objects.filter(key=CHECKPOINT)
    return rows.values_list("position", flat=True).first() or 0


# The largest first: built two at a time, the other two share the second connection.
_PG_INDEXES = {
    "papers_paper_search_document": "document",
    "papers_paper_search_short": "short_document",
    "papers_paper_search_facets": "facets",
}


def drop_pg_indexes() -> None:
    """Before a build from the start on PostgreSQL: a GIN index built once over the full
    table is several times faster than one maintained row by row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in _PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def ensure_pg_indexes() -> None:
    """Build the GIN indexes that are missing. After a build from the start, on two
    connections at once: the document's index takes as long as the other two together
    (each build uses one core of the server)."""
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:  # a caller's transaction: nothing outside it sees the rows
        for name in _PG_INDEXES:
            _build_pg_index(name)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2, thread_name_prefix="gin") as pool:
        builds = [pool.submit(on_own_connection, _build_pg_index, name) for name in _PG_INDEXES]
        for done in builds:
            done.result()


def on_own_connection(function, *args):
    """Call function(*args) in a worker thread, then close the thread's own connection
    (Django opens one per thread, and a pool's thread would keep it open)."""
    try:
        return function(*args)
    finally:
        connection.close()


def _build_pg_index(name: str) -> None:
    # fastupdate off: see search/migrations/0002 (no pending list for every search to scan
    # after papers are added one at a time).
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {PG_TABLE} "
            f"USING gin ({_PG_INDEXES[name]}) WITH (fastupdate = off)"
        )


def clear() -> None:
    with connection.cursor() as cursor:
        for table in (TABLE, TITLE_TABLE) if _sqlite() else (PG_TABLE,):
            cursor.execute(f"DELETE FROM {table}")


def match_ids(query: str, limit: int = 50) -> list[int]:
    """Paper ids for a raw engine query (an FTS5 expression on SQLite, a tsquery on
    PostgreSQL), best first: the index's own check. The search feature goes through
    shortscience.search, which bounds the ranking."""
    if not supported():
        return []
    with connection.cursor() as cursor:
        if _sqlite():
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rank LIMIT %s",
                [query, limit],
            )
        else:
            cursor.execute(
                f"SELECT paper_id FROM {PG_TABLE}, to_tsquery('simple', %s) q "
                "WHERE document @@ q ORDER BY ts_rank(document, q) DESC, paper_id LIMIT %s",
                [query, limit],
            )
        return [row[0] for row in cursor.fetchall()]
