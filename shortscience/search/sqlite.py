"""Search on SQLite: FTS5 over papers_paper_fts and search_summary_fts.

Why not bm25: FTS5 finds a query's matches cheaply and in rowid order, but bm25 needs, for
every phrase of the query, the number of papers containing it, which FTS5 gets by walking
that phrase's whole doclist; and `ORDER BY rank` then scores every match. Over 100,000
papers one common word costs ~10 ms before the first row, over a million ~100 ms, and
two common words with the full ranking most of a second (bench/search.py, the raw column).

So the ranking here is by field tiers, each one bounded walk newest-first that stops after
CANDIDATES rows: every word in the title (tier 3), every word in the title, authors or
venue (2), both walked in the small table of short fields (papers_paper_title_fts, whose
doclists are ~15x shorter than the abstracts'), then every word anywhere (1); a paper found only through
a public summary's words comes below (services.SUMMARY_WEIGHT). Within a tier, newer papers
first. The cost is bounded by the bound, not by the corpus. The trade-off: no term
frequency or rarity within a tier, and past the bound an older paper matching only in its
abstract is not listed at all, and the count stops at "1,000+". A person refines such a
query (a filter, one more word) long before page 50. PostgreSQL's ts_rank needs no corpus
statistics, so search/postgres.py ranks its bounded candidates by it instead.
"""

from __future__ import annotations

from django.db import connection

from shortscience.papers.search_index import TABLE, TITLE_TABLE
from shortscience.search.query import Query, Term, fold, words
from shortscience.summaries import search_index as index

# bm25 weights per column (title, authors, abstract, venue, identifiers, categories, year),
# for raw_query only: the comparison bench/search.py draws (with raw_summary_query).
WEIGHTS = "10.0, 5.0, 1.0, 2.0, 2.0, 0.0, 0.0"
EVERYWHERE = "{title authors abstract venue identifiers}"


def _phrase(term: Term) -> str:
    # Words are letters and digits only (query.words), so quoting them is always safe.
    return '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")


def _free(term: Term) -> str:
    """A free-text term: its phrase, or each of its forms (Term.forms) ORed."""
    forms = term.forms()
    if len(forms) == 1:
        return _phrase(term)
    return "(" + " OR ".join(_phrase(Term(form)) for form in forms) + ")"


def _filters(q: Query) -> list[str]:
    parts = [f"authors : {_phrase(t)}" for t in q.authors]
    parts += [f"venue : {_phrase(t)}" for t in q.venues]
    parts += [f"categories : {_phrase(t)}" for t in q.categories]
    if q.years:
        years = " OR ".join(f'"{y}"' for y in range(q.years[0], q.years[1] + 1))
        parts.append(f"year : ({years})")
    return parts


def _and(*parts: str) -> str:
    return " AND ".join(p for p in parts if p)


def expressions(q: Query) -> tuple[list[tuple[float, str, str]], str | None, str | None]:
    """([(tier score, table, FTS5 expression)] widest tier first, summary text, filters)."""
    free = " AND ".join(_free(t) for t in q.terms)
    filters = _and(*_filters(q))
    if not free:
        # Filters alone: the small table has every filtered column.
        return [(1.0, TITLE_TABLE, filters)], None, filters
    tiers = [
        (1.0, TABLE, _and(f"{EVERYWHERE} : ({free})", filters)),
        (2.0, TITLE_TABLE, _and(f"{{title authors venue}} : ({free})", filters)),
        (3.0, TITLE_TABLE, _and(f"title : ({free})", filters)),
    ]
    return tiers, free, filters or None


def raw_query(q: Query, limit: int = 20) -> list[int]:
    """The plain engine query for the same search, bm25 over every match: what
    bench/search.py compares with."""
    tiers, _, _ = expressions(q)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s "
            f"ORDER BY bm25({TABLE}, {WEIGHTS}) LIMIT %s",
            [tiers[0][2], limit],
        )
        return [r[0] for r in cursor.fetchall()]


def raw_summary_query(q: Query, limit: int = 20) -> list[int]:
    """The plain engine query over the summaries' index, bm25 over every match: a search
    covers summaries too, so the raw counterpart of one runs this beside raw_query()."""
    _, free, _ = expressions(q)
    if not free:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {index.TABLE} WHERE {index.TABLE} MATCH %s "
            f"ORDER BY bm25({index.TABLE}) LIMIT %s",
            [free, limit],
        )
        return [r[0] for r in cursor.fetchall()]


def candidates(q: Query, limit: int) -> tuple[dict[int, float], dict[int, tuple[int, float]], bool]:
    """Paper id -> score from the papers' index, paper id -> (summary id, score) from the
    summaries', and whether the papers' matches reached the bound."""
    tiers, free, filters = expressions(q)
    with connection.cursor() as cursor:
        # Widest tier first; it also says whether the bound was reached. The narrower tiers
        # are walks of their own in the small table (not `rowid IN (...)`, which FTS5 answers
        # by evaluating the whole query once per listed rowid).
        walk = "SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY rowid DESC LIMIT %s"
        papers: dict[int, float] = {}
        capped = False
        for i, (score, table, expression) in enumerate(tiers):
            cursor.execute(walk.format(table=table), [expression, limit])
            rows = cursor.fetchall()
            if i == 0:
                capped = len(rows) >= limit
                if not rows:
                    break
            for (pid,) in rows:
                papers[pid] = score
        summaries: dict[int, tuple[int, float]] = {}
        if free:
            # Checked here, not only at indexing: a summary hidden or made private a moment
            # ago never comes back, whatever its index row still says. The FTS walk is a
            # subquery so that it stays one bounded walk in rowid order.
            cursor.execute(
                "SELECT s.id, s.paper_id FROM summaries_summary s WHERE s.id IN ("
                f"SELECT rowid FROM {index.TABLE} WHERE {index.TABLE} MATCH %s "
                "ORDER BY rowid DESC LIMIT %s"
                ") AND s.visibility = 'public' AND NOT s.is_hidden ORDER BY s.id DESC",
                [free, limit],
            )
            for sid, pid in cursor.fetchall():
                summaries.setdefault(pid, (sid, 1.0))
            if summaries and filters:
                # The papers of these summaries must pass the filters too: checked here on
                # the stored short fields, by rowid, not by an FTS query per rowid.
                ids = [pid for pid in summaries if pid not in papers]
                marks = ", ".join("%s" for _ in ids)
                passing: set[int] = set()
                if ids:
                    cursor.execute(
                        f"SELECT rowid, authors, venue, categories, year FROM {TITLE_TABLE} "
                        f"WHERE rowid IN ({marks})",
                        ids,
                    )
                    passing = {row[0] for row in cursor.fetchall() if _passes(q, *row[1:])}
                summaries = {
                    pid: v for pid, v in summaries.items() if pid in papers or pid in passing
                }
    return papers, summaries, capped


def _has(term: Term, text: str) -> bool:
    """Does `text` hold the term's words in a row, as FTS5 would match them (folded)?"""
    tokens = [fold(w.rstrip("*")) for w in words(text or "")]
    wanted = [fold(w) for w in term.words]
    n = len(wanted)
    for i in range(len(tokens) - n + 1):
        head, last = tokens[i : i + n - 1], tokens[i + n - 1]
        if head == wanted[:-1] and (
            last.startswith(wanted[-1]) if term.prefix else last == wanted[-1]
        ):
            return True
    return False


def _passes(q: Query, authors: str, venue: str, categories: str, year: str) -> bool:
    if q.years and not (str(year).isdigit() and q.years[0] <= int(year) <= q.years[1]):
        return False
    return (
        all(_has(t, authors) for t in q.authors)
        and all(_has(t, venue) for t in q.venues)
        and all(_has(t, categories) for t in q.categories)
    )
