"""Search on PostgreSQL: tsvector side tables with GIN indexes (papers_paper_search,
search_summary_search), queried with to_tsquery over the parsed query and ranked by ts_rank.

Why bounded, as on SQLite (see search/sqlite.py): `ORDER BY ts_rank` must fetch and rank
every match, which for two common words over a million papers is hundreds of thousands of
detoasted tsvectors. Each query here takes at most CANDIDATES matches in the order the scan
meets them (physical order: roughly oldest first) and ranks only those, by the short fields
(see candidates()), plus, past the bound, a bounded pass over matches in `short_document`
(title, authors, venue: posting lists far shorter than the abstracts'), so that title
matches are not lost to the bound. The trade-off is the same as on SQLite: past the bound,
an abstract-only match may go unlisted, and the count says "1,000+".

The query's words are folded by the same shortscience_fold() that built the index (one
round trip for all of them), so accents fold identically on both sides.
"""

from __future__ import annotations

import time

from django.db import connections, router

from shortscience.papers.models import Paper
from shortscience.papers.search_index import PG_TABLE
from shortscience.search.query import Query, Term
from shortscience.summaries import search_index as index

# ts_rank's weights for D, C, B, A: abstract, venue/identifiers, authors, title.
WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]"


def _reader():
    """The connection a search reads from: the request's replica when it reads from one
    (web/replicas.py decides which requests do), else the primary."""
    return connections[router.db_for_read(Paper)]


def _fold_all(q: Query) -> dict[str, str]:
    words = {w for t in [*q.terms, *q.authors, *q.venues, *q.categories] for w in t.words}
    # An ASCII word of letters and digits folds to its lower case (nothing to unaccent, no
    # punctuation to split on): only other words need the database's round trip.
    folded = {w: w.lower() for w in words if w.isascii() and w.isalnum()}
    wanted = sorted(words - folded.keys())
    if wanted:
        with _reader().cursor() as cursor:
            cursor.execute("SELECT w, shortscience_fold(w) FROM unnest(%s::text[]) AS w", [wanted])
            folded.update(cursor.fetchall())
    return folded


def _tsterm(term: Term, folded: dict[str, str], weight: str = "") -> str:
    # Folded words are letters and digits only, so quoting them is always safe.
    pieces = [p for w in term.words for p in folded.get(w, w.lower()).split()]
    parts = []
    for i, piece in enumerate(pieces):
        label = ("*" if term.prefix and i == len(pieces) - 1 else "") + weight
        parts.append(f"'{piece}'" + (f":{label}" if label else ""))
    return "(" + " <-> ".join(parts) + ")" if parts else ""


def _free(term: Term, folded: dict[str, str], weight: str = "") -> str:
    """A free-text term: its phrase, or each of its forms (Term.forms) ORed. The other
    forms are ASCII words (query.number_forms), so they fold to themselves."""
    forms = term.forms()
    if len(forms) == 1:
        return _tsterm(term, folded, weight)
    phrases = [_tsterm(Term(form), folded, weight) for form in forms]
    return "(" + " | ".join(p for p in phrases if p) + ")"


class Expressions:
    """The parsed query as tsquery text: `free` words, `fields` (author: and venue:, on the
    document), `facets` (category: and year:), and the title-only reading of the words."""

    def __init__(self, q: Query):
        folded = _fold_all(q)
        free = [p for p in (_free(t, folded) for t in q.terms) if p]
        title = [p for p in (_free(t, folded, "A") for t in q.terms) if p]
        fields = [p for p in (_tsterm(t, folded, "B") for t in q.authors) if p]
        fields += [p for p in (_tsterm(t, folded, "C") for t in q.venues) if p]
        facets = [p for p in (_tsterm(t, folded, "A") for t in q.categories) if p]
        if q.years:
            years = range(q.years[0], q.years[1] + 1)
            facets.append("(" + " | ".join(f"'{y}':B" for y in years) + ")")
        self.words = [
            p
            for t in [*q.terms, *q.authors, *q.venues]
            for w in t.words
            for p in folded.get(w, w.lower()).split()
        ]
        self.free = " & ".join(free) or None
        self.fields = " & ".join(fields) or None
        self.document = " & ".join([*free, *fields]) or None
        self.title = " & ".join([*title, *fields]) if title else None
        self.facets = " & ".join(facets) or None


# A query whose words are (by the statistics) in more than this share of papers together
# is answered by scanning the table: its first rows match.
DENSE = 0.25
_STATS_SECONDS = 600
_stats: dict[str, object] = {"at": 0.0, "freqs": {}}


def _element_freqs() -> dict[str, float]:
    """Lexeme -> share of papers, for the most common lexemes ANALYZE saw; cached."""
    now = time.monotonic()
    if now - float(_stats["at"]) > _STATS_SECONDS:  # type: ignore[arg-type]
        with _reader().cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = %s AND attname = 'document'",
                [PG_TABLE],
            )
            row = cursor.fetchone()
        freqs = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        _stats.update(at=now, freqs=freqs)
    return _stats["freqs"]  # type: ignore[return-value]


def _share(words: list[str]) -> float:
    """The estimated share of papers holding all these words (as if independent)."""
    if not words:
        return 0.0  # filters alone: categories and years read best from their index
    freqs = _element_freqs()
    share = 1.0
    for word in words:
        share *= freqs.get(word, 0.0)
    return share


def _execute(cursor, sql: str, params: list) -> None:
    """Run a search statement with its values quoted into the text (psycopg quotes them).
    Bound as parameters, a statement run a few times on a connection is prepared, and
    PostgreSQL may then plan it once for any words: blind to how common they are, which
    decides between reading the index and scanning the table."""
    cursor.execute(cursor.db.ops.compose_sql(sql, params))


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
    with _reader().cursor() as cursor:
        _execute(
            cursor,
            f"SELECT t.paper_id FROM {PG_TABLE} t WHERE {where} ORDER BY {rank} DESC LIMIT %s",
            [*params, *([e.document] if e.document else []), limit],
        )
        return [r[0] for r in cursor.fetchall()]


def raw_summary_query(q: Query, limit: int = 20) -> list[int]:
    """The plain engine query over the summaries' index, ranking every match: a search covers
    summaries too, so the raw counterpart of one runs this beside raw_query()."""
    e = Expressions(q)
    if not e.free:
        return []
    with _reader().cursor() as cursor:
        _execute(
            cursor,
            f"SELECT f.summary_id FROM {index.PG_TABLE} f "
            "WHERE f.document @@ to_tsquery('simple', %s) "
            "ORDER BY ts_rank(f.document, to_tsquery('simple', %s)) DESC LIMIT %s",
            [e.free, e.free, limit],
        )
        return [r[0] for r in cursor.fetchall()]


def candidates(q: Query, limit: int) -> tuple[dict[int, float], dict[int, tuple[int, float]], bool]:
    """Paper id -> score, paper id -> (summary id, score), and whether the bound was hit.

    A paper's score is 1 plus ten times ts_rank over its short fields (title A, authors B,
    venue C): a match only in the abstract scores 1, as SQLite's widest tier does, and
    ranking never reads the long `document` (kept out of line, TOASTed: ~10 us a row to
    fetch and rank against well under 1 us for the short vector stored in the row).
    """
    e = Expressions(q)
    papers: dict[int, float] = {}
    summaries: dict[int, tuple[int, float]] = {}
    rank = (
        f"1 + 10 * ts_rank({WEIGHTS}, t.short_document, to_tsquery('simple', %s))"
        if e.document
        else "1"
    )
    rank_params = [e.document] if e.document else []
    with _reader().cursor() as cursor:
        # With a LIMIT, the planner expects a scan of the table to meet enough matches
        # early; each row it reads is a TOASTed tsvector to fetch and test, and for a word
        # in a few percent of papers that is tens of thousands of rows (bench/search.py:
        # p50 36 ms against 13 ms). The GIN index reads posting lists, and an exact bitmap
        # needs no recheck of `document`, so it is the way in, unless the words are so
        # common (by ANALYZE's statistics) that the first rows of the table match anyway,
        # where reading their long posting lists would cost more than the scan.
        index_only = _share(e.words) < DENSE
        # Short fields first: their posting lists are a fraction of the abstracts', and a
        # GIN scan reads a word's whole list. When they alone hold the bound, those are the
        # best-ranked matches anyway (a match only in an abstract scores lowest), and the
        # long lists are never read: over 300,000 papers that took the bench's p95 from
        # 54 ms to 36 ms. Otherwise the whole document is searched too: in the same
        # statement, with the summaries, as each round trip costs about as much as a rare
        # word's whole search; the document tier runs only when the short fields did not fill
        # the bound (a one-time filter on the CTE's count).
        doc_where, doc_params = _where(e.document, e.facets)
        if e.document:
            short_where, short_params = _where(e.document, e.facets, column="short_document")
            sql = (
                f"WITH short AS (SELECT t.paper_id, ({rank})::float8 AS score FROM {PG_TABLE} t "
                f"WHERE {short_where} LIMIT %s) "
                "SELECT 1, paper_id, score, NULL::bigint FROM short UNION ALL "
                f"(SELECT 2, t.paper_id, ({rank})::float8, NULL FROM {PG_TABLE} t "
                f"WHERE {doc_where} AND (SELECT count(*) FROM short) < %s LIMIT %s)"
            )
            params = [*rank_params, *short_params, limit, *rank_params, *doc_params, limit, limit]
        else:
            sql = (
                f"(SELECT 2, t.paper_id, 1::float8, NULL::bigint FROM {PG_TABLE} t "
                f"WHERE {doc_where} LIMIT %s)"
            )
            params = [*doc_params, limit]
        if e.free:
            # Checked here, not only at indexing: a summary hidden or made private a moment
            # ago never comes back, whatever its index row still says.
            sql += (
                " UNION ALL (SELECT 3, s.paper_id, NULL, s.id FROM ("
                f"SELECT f.summary_id FROM {index.PG_TABLE} f "
                "WHERE f.document @@ to_tsquery('simple', %s) LIMIT %s"
                ") m JOIN summaries_summary s ON s.id = m.summary_id "
                "WHERE s.visibility = 'public' AND NOT s.is_hidden)"
            )
            params += [e.free, limit]
        if index_only:
            # The setting travels in the query's own message: one round trip, where BEGIN,
            # SET LOCAL, the query and COMMIT took four (a rare word's whole search costs
            # about two). Outside a transaction the message runs as one, which SET LOCAL
            # ends with; inside one, RESET puts the setting back for what follows.
            _execute(cursor, f"SET LOCAL enable_seqscan = off; {sql}; RESET enable_seqscan", params)
            cursor.nextset()
        else:
            _execute(cursor, sql, params)
        tiers: dict[int, int] = {1: 0, 2: 0}
        for tier, pid, score, sid in cursor.fetchall():
            if tier == 3:
                # A paper's newest matching summary stands for it.
                if pid not in summaries or sid > summaries[pid][0]:
                    summaries[pid] = (sid, 1.0)
            else:
                papers[pid] = score
                tiers[tier] += 1
        capped = tiers[1] >= limit or tiers[2] >= limit
        if e.free:
            rest = [pid for pid in summaries if pid not in papers]
            if rest and q.has_filters:
                where, params = _where(e.fields, e.facets)
                _execute(
                    cursor,
                    f"SELECT t.paper_id FROM {PG_TABLE} t WHERE t.paper_id = ANY(%s) AND {where}",
                    [rest, *params],
                )
                keep = set(papers) | {r[0] for r in cursor.fetchall()}
                summaries = {pid: v for pid, v in summaries.items() if pid in keep}
    return papers, summaries, capped
