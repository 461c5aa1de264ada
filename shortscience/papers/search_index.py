"""The full-text index of papers on SQLite: an FTS5 table beside papers_paper.

Kept in sync by upsert_paper() and merges, one paper at a time; a bulk import leaves its
new papers to `manage.py rebuild_search_index`, a separate pass that indexes paper ids in
ranges inside SQLite itself (INSERT ... SELECT), resumable from a checkpoint.

PostgreSQL's full-text index (a tsvector with a GIN index) comes with the search feature;
until then these functions do nothing there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

TABLE = "papers_paper_fts"
CHECKPOINT = "search-index"

# Title, authors in order, abstract; merged-away papers are not in the index.
_SELECT = """
    SELECT p.id, p.title,
           COALESCE((SELECT group_concat(name, ', ') FROM (
               SELECT a.name AS name FROM papers_paperauthor pa
               JOIN papers_author a ON a.id = pa.author_id
               WHERE pa.paper_id = p.id ORDER BY pa.position)), ''),
           p.abstract
    FROM papers_paper p
    WHERE p.merged_into_id IS NULL AND {where}
"""


def supported() -> bool:
    return connection.vendor == "sqlite"


def index_papers(ids: Iterable[int]) -> None:
    """(Re)index these papers now: after a write that changed what the index holds."""
    ids = [int(i) for i in ids]
    if not ids or not supported():
        return
    marks = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", ids)
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, title, authors, abstract) "
            + _SELECT.format(where=f"p.id IN ({marks})"),
            ids,
        )


def index_range(after_id: int, up_to_id: int) -> int:
    """Index papers with after_id < id <= up_to_id; the rows in that range are replaced."""
    with connection.cursor() as cursor:
        # Past the highest indexed paper (every range of a fresh build) there is nothing to
        # replace, and an FTS5 DELETE by rowid range still walks the index's segments.
        cursor.execute(f"SELECT max(rowid) FROM {TABLE}")
        (top,) = cursor.fetchone()
        if top is not None and top > after_id:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE rowid > %s AND rowid <= %s", [after_id, up_to_id]
            )
        cursor.execute(
            f"INSERT INTO {TABLE} (rowid, title, authors, abstract) "
            + _SELECT.format(where="p.id > %s AND p.id <= %s"),
            [after_id, up_to_id],
        )
        return cursor.rowcount


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def match_ids(query: str, limit: int = 50) -> list[int]:
    """Paper ids for an FTS5 query, best first: the index's own check, and the seam the
    search feature will build on."""
    if not supported():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rank LIMIT %s",
            [query, limit],
        )
        return [row[0] for row in cursor.fetchall()]
