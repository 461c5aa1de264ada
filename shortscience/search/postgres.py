"""Search on PostgreSQL: tsvector side tables with GIN indexes (papers_paper_search,
search_summary_search), queried with to_tsquery over the parsed query and ranked by ts_rank.

Why bounded, as on SQLite (see search/sqlite.py): `ORDER BY ts_rank` must fetch and rank
every match, which for two common words over a million papers is hundreds of thousands of
detoasted tsvectors. Each query here takes at most CANDIDATES matches in the order the GIN
bitmap returns them (physical order: roughly oldest first) and ranks only those, plus,
past the bound, a bounded pass over title matches read from `short_document` (title,
authors, venue: posting lists far shorter than the abstracts'). The trade-off is the same:
past the bound, an abstract-only match may go unranked, and the count says "1,000+".

The query's words are folded by the same shortscience_fold() that built the index (one
round trip for all of them), so accents fold identically on both sides.
"""

from __future__ import annotations

from django.db import connection, transaction

from shortscience.papers.search_index import PG_TABLE
from shortscience.search import index
from shortscience.search.query import Query, Term

# ts_rank's weights for D, C, B, A: abstract, venue/identifiers, authors, title.
WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]"


def _fold_all(q: Query) -> dict[str, str]:
    wanted = sorted({w for t in [*q.terms, *q.authors, *q.venues, *q.categories] for w in t.words})
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT w, shortscience_fold(w) FROM unnest(%s::text[]) AS w", [wanted])
        return {w: folded for w, folded in cursor.fetchall()}


def _tsterm(term: Term, folded: dict[str, str], weight: str = "") -> str:
    # Folded words are letters and digits only, so quoting them is always safe.
    pieces = [p for w in term.words for p in folded.get(w, w.lower()).split()]
    parts = []
    for i, piece in enumerate(pieces):
        label = ("*" if term.prefix and i == len(pieces) - 1 else "") + weight
        parts.append(f"'{piece}'" + (f":{label}" if label else ""))
    return "(" + " <-> ".join(parts) + ")" if parts else ""


class Expressions:
    """The parsed query as tsquery text: `free` words, `fields` (author: and venue:, on the
    document), `facets` (category: and year:), and the title-only reading of the words."""

    def __init__(self, q: Query):
        folded = _fold_all(q)
        free = [p for p in (_tsterm(t, folded) for t in q.terms) if p]
        title = [p for p in (_tsterm(t, folded, "A") for t in q.terms) if p]
        fields = [p for p in (_tsterm(t, folded, "B") for t in q.authors) if p]
        fields += [p for p in (_tsterm(t, folded, "C") for t in q.venues) if p]
        facets = [p for p in (_tsterm(t, folded, "A") for t in q.categories) if p]
        if q.years:
            years = range(q.years[0], q.years[1] + 1)
            facets.append("(" + " | ".join(f"'{y}':B" for y in years) + ")")
        self.free = " & ".join(free) or None
        self.fields = " & ".join(fields) or None
        self.document = " & ".join([*free, *fields]) or None
        self.title = " & ".join([*title, *fields]) if title else None
        self.facets = " & ".join(facets) or None


def _where(doc: str | None, facets: str | None, column: str = "document") -> tuple[str, list]:
    conds, params = [], []
    if doc:
        conds.append(f"t.{column} @@ to_tsquery('simple', %s)")
        params.append(doc)
    if facets:
        conds.append("t.facets @@ to_tsquery('simple', %s)")
        params.append(facets)
    return " AND ".join(conds) or "FALSE", params


def raw_query(q: Query, limit: int = 20) -> list[int]:
    """The plain engine query for the same search, ranking every match (bench/search.py)."""
    e = Expressions(q)
    where, params = _where(e.document, e.facets)
    rank = f"ts_rank({WEIGHTS}, t.document, to_tsquery('simple', %s))" if e.document else "0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.paper_id FROM {PG_TABLE} t WHERE {where} ORDER BY {rank} DESC LIMIT %s",
            [*params, *([e.document] if e.document else []), limit],
        )
        return [r[0] for r in cursor.fetchall()]


def candidates(q: Query, limit: int) -> tuple[dict[int, float], dict[int, tuple[int, float]], bool]:
    """Paper id -> score, paper id -> (summary id, score), and whether the bound was hit."""
    e = Expressions(q)
    papers: dict[int, float] = {}
    summaries: dict[int, tuple[int, float]] = {}
    rank = f"ts_rank({WEIGHTS}, t.document, to_tsquery('simple', %s))" if e.document else "0"
    rank_params = [e.document] if e.document else []
    with transaction.atomic(), connection.cursor() as cursor:
        # With a LIMIT, the planner expects a scan of the table to meet enough matches
        # early, and mostly it does not: each row it reads is a tsvector to fetch and test
        # (half a second per 100,000 papers for a word in 1% of them). The GIN index reads
        # posting lists instead, so for this transaction it is the only way in.
        cursor.execute("SET LOCAL enable_seqscan = off")
        where, params = _where(e.document, e.facets)
        cursor.execute(
            f"SELECT t.paper_id, {rank} FROM {PG_TABLE} t WHERE {where} LIMIT %s",
            [*rank_params, *params, limit],
        )
        rows = cursor.fetchall()
        capped = len(rows) >= limit
        for pid, score in rows:
            papers[pid] = float(score)
        if capped and e.title:
            # Past the bound, a second bounded pass over title matches, read from the
            # short fields' index, so that an older title match still competes.
            where, params = _where(e.title, e.facets, column="short_document")
            cursor.execute(
                f"SELECT t.paper_id, {rank} FROM {PG_TABLE} t WHERE {where} LIMIT %s",
                [*rank_params, *params, limit],
            )
            for pid, score in cursor.fetchall():
                papers[pid] = float(score)
        if e.free:
            # Checked here, not only at indexing: a summary hidden or made private a moment
            # ago never comes back, whatever its index row still says.
            cursor.execute(
                "SELECT s.id, s.paper_id, m.rank FROM ("
                f"SELECT f.summary_id, ts_rank(f.document, to_tsquery('simple', %s)) AS rank "
                f"FROM {index.PG_TABLE} f WHERE f.document @@ to_tsquery('simple', %s) LIMIT %s"
                ") m JOIN summaries_summary s ON s.id = m.summary_id "
                "WHERE s.visibility = 'public' AND NOT s.is_hidden",
                [e.free, e.free, limit],
            )
            for sid, pid, score in cursor.fetchall():
                if pid not in summaries or float(score) > summaries[pid][1]:
                    summaries[pid] = (sid, float(score))
            rest = [pid for pid in summaries if pid not in papers]
            if rest and q.has_filters:
                where, params = _where(e.fields, e.facets)
                cursor.execute(
                    f"SELECT t.paper_id FROM {PG_TABLE} t WHERE t.paper_id = ANY(%s) AND {where}",
                    [rest, *params],
                )
                keep = set(papers) | {r[0] for r in cursor.fetchall()}
                summaries = {pid: v for pid, v in summaries.items() if pid in keep}
    return papers, summaries, capped
