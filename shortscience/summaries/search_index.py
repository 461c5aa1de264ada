"""The full-text index of summaries, beside the papers' (papers/search_index.py).

SQLite: FTS5 table `search_summary_fts(body)`, rowid = summary id. PostgreSQL:
`search_summary_search(summary_id, document)` with a GIN index, 'simple' over
shortscience_fold() like the papers' index. Only the summary's text is indexed (its plain
text, `body_text`: math as text, no Markdown; the Markdown body for a row saved before
that existed, until rerender_markup), never the author's name: an anonymous summary is findable by its words and by nothing that names
who wrote it. Only public summaries are indexed (a private one leaves the index when its
author saves it private), and every search also joins summaries_summary on "public and not
hidden", so a summary a moderator hides is gone from results at once, and back on restore.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

TABLE = "search_summary_fts"
PG_TABLE = "search_summary_search"

# Public summaries, hidden or not: searches leave out the hidden ones at query time, so a
# moderator's hide and restore need no index write. Private text never enters the index.
_WHERE_PUBLIC = "s.visibility = 'public'"
_TEXT = "COALESCE(NULLIF(s.body_text, ''), s.body)"


def supported() -> bool:
    return connection.vendor in ("sqlite", "postgresql")


def index_summaries(ids: Iterable[int]) -> None:
    """(Re)index these summaries: save_summary() calls it for every save."""
    ids = [int(i) for i in ids]
    if not ids or not supported():
        return
    marks = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO {TABLE} (rowid, body) SELECT s.id, {_TEXT} FROM summaries_summary s "
                f"WHERE s.id IN ({marks}) AND {_WHERE_PUBLIC}",
                ids,
            )
        else:
            cursor.execute(f"DELETE FROM {PG_TABLE} WHERE summary_id IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO {PG_TABLE} (summary_id, document) SELECT s.id, "
                f"to_tsvector('simple', shortscience_fold_long({_TEXT})) FROM summaries_summary s "
                f"WHERE s.id IN ({marks}) AND {_WHERE_PUBLIC}",
                ids,
            )


def rebuild() -> int:
    """Index every public summary again; a few seconds per 100,000 summaries."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(
                f"INSERT INTO {TABLE} (rowid, body) SELECT s.id, {_TEXT} FROM summaries_summary s "
                f"WHERE {_WHERE_PUBLIC}"
            )
        else:
            cursor.execute(f"DELETE FROM {PG_TABLE}")
            cursor.execute(
                f"INSERT INTO {PG_TABLE} (summary_id, document) SELECT s.id, "
                f"to_tsvector('simple', shortscience_fold_long({_TEXT})) FROM summaries_summary s "
                f"WHERE {_WHERE_PUBLIC}"
            )
        return cursor.rowcount
