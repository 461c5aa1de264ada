"""Fast writes of many records: the path behind `import_papers` for whole libraries.

upsert_paper() costs a dozen queries per record; at arXiv's 2.7M records that is hours.
Here a batch of records costs a handful of queries: identifiers and title keys are looked
up for the whole batch at once, new papers, authors, identifiers and keyword links are
inserted with bulk_create, and a record whose digest equals the one stored at its last
import is counted unchanged without a write. The rarer cases (a record that changed, one
that names two papers, duplicates inside one batch) go through upsert_paper() one by one,
so both paths apply the same rules.

New papers' abstracts and titles are typeset here, in the batch, and written once:
most abstracts have no math and cost an escape (markup.render_abstracts), and the math of
the others goes to KaTeX in a few requests per batch, not one each. With typeset=False
(`import_papers --no-render`) they are stored as text for `rerender_markup
--missing-abstracts` to typeset later (title_html and abstract_html are "" until then: the
text shows as it is).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify

from shortscience.lib import identifiers, sqlite_bulk
from shortscience.lib.records import PaperRecord
from shortscience.library.services import upsert_paper
from shortscience.papers import search_index
from shortscience.papers.models import (
    Author,
    ImportCheckpoint,
    Keyword,
    Paper,
    PaperAuthor,
    PaperIdentifier,
    Venue,
    normalize_name,
)
from shortscience.papers.services import Typesetter, typeset_title
from shortscience.web import changes

_CHUNK = 5000  # ids per IN (...) clause; well under SQLite's and PostgreSQL's limits


# What slugify drops from ASCII text: all but \w (letters, digits, "_"), \s and "-".
_ASCII_NOT_SLUG = bytes(
    c for c in range(128) if not (chr(c).isalnum() or chr(c).isspace() or chr(c) in "_-")
)


def _slug(title: str) -> str:
    """Paper.save()'s slug, a third of slugify's cost for an ASCII title, which most are;
    the rest go through slugify itself."""
    if not title.isascii():
        return slugify(title)[:80].strip("-") or "paper"
    # slugify's two regexes done with bytes.translate and split: \s is what str.split()
    # splits on, and each run of "-" and spaces becomes one "-" (those at the ends go, as
    # strip("-_") drops them there).
    kept = title.lower().encode("ascii").translate(None, _ASCII_NOT_SLUG).decode("ascii")
    return "-".join(kept.replace("-", " ").split()).strip("-_")[:80].strip("-") or "paper"


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _normalized_identifiers(record: PaperRecord) -> list[identifiers.Identifier]:
    found = []
    for kind, value in record.identifiers.items():
        if not value:
            continue
        try:
            found.append(identifiers.normalize(kind, value))
        except ValueError:
            continue  # a malformed identifier from a source is dropped, not fatal
    return found


class BulkWriter:
    def __init__(self, *, typeset: bool = True, index: bool = False) -> None:
        """typeset: new papers' abstracts and titles typeset in the batch. index: new papers
        indexed for search in the batch, from the records in memory, where the index is
        complete up to them (SQLite; search_index.add_new_papers() says when), so that
        rebuild_search_index does not read them back."""
        self.typeset = typeset
        self.index = index and connection.vendor == "sqlite"
        # PostgreSQL's index is the server's work: a thread has it done as batches commit
        # (search_index.Follower). Inside a caller's transaction, which no other connection
        # sees into, the pass does it.
        self._follower = (
            search_index.Follower()
            if index and connection.vendor == "postgresql" and not connection.in_atomic_block
            else None
        )
        self._last_id = 0  # the highest id of a paper this writer created
        self._typesetter = Typesetter()
        self.tally: Counter[str] = Counter()
        self._venues: dict[str, tuple[int, str]] = {}  # key -> (id, "name key")
        self._batches = 0
        self._keywords: dict[str, int] = dict(Keyword.objects.values_list("name", "id"))
        # Batches handed to the typesetter ahead of their write (prepare()), oldest first, and
        # whether the last batch written had new papers (a re-run of a file has none: its
        # batches are then not typeset ahead, for nothing).
        self._prepared: list[tuple[list[PaperRecord], Callable[[], list[tuple[str, bool]]]]] = []
        self._last_created = True
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                sqlite_bulk.tune(cursor)

    def close(self) -> None:
        """Stop the typesetting process, if one was started, and wait for the index."""
        self._prepared.clear()
        self._typesetter.close()
        if self._follower is not None:
            self._follower.close()

    def prepare(self, records: list[PaperRecord]) -> None:
        """Start typesetting this batch's abstracts now, before its write() (and while the
        batch before it is written): the typesetting process then works while this one
        parses and writes, instead of after. Every abstract is sent, new or not: which are
        new is known only once the batches before this one are written. write() of the
        same list takes the results."""
        if self.typeset and self._last_created:
            texts = [r.abstract for r in records]
            self._prepared.append((records, self._typesetter.start(texts)))

    def _take_prepared(self, records: list[PaperRecord]):
        """prepare()'s results for this batch, or None; forgotten here, used or not, so that
        a long file's batches are never all held."""
        for n, (batch, finish) in enumerate(self._prepared):
            if batch is records:
                del self._prepared[: n + 1]  # older ones were never written: let them go
                return finish
        return None

    def _typeset_later(self, records: list[PaperRecord], new: list[int], prepared):
        """What gives the HTML of the abstracts of records[i] for i in `new`: prepare()'s
        when this batch was prepared, else typeset from now on."""
        if prepared is not None:
            return lambda: _pick(prepared(), new)
        return self._typesetter.start([records[i].abstract for i in new])

    def write(
        self, records: list[PaperRecord], *, checkpoint: tuple[str, int] | None = None
    ) -> None:
        """Write a batch in one transaction, with the checkpoint if given, so a batch and
        the note that it was written commit together."""
        # With DEBUG on (a developer's import), Django logs every query with its parameters;
        # thousands of batches of them would grow the process without bound.
        reset_queries()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The commit returns before its WAL reaches disk. A crash of the database
                # server can lose the last batches but never half of one (the checkpoint is in
                # the same transaction), so a re-run redoes exactly what was lost.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            created = self.tally["created"]
            self._write(records, self._take_prepared(records))
            self._last_created = self.tally["created"] > created
            if checkpoint:
                ImportCheckpoint.objects.update_or_create(
                    key=checkpoint[0], defaults={"position": checkpoint[1]}
                )
        self._batches += 1
        if self._follower is not None and self._last_created:
            self._follower.committed(self._last_id)
        if connection.vendor == "postgresql" and self._batches & (self._batches - 1) == 0:
            # After batches 1, 2, 4, 8, ...: the planner's row counts for the lookup tables
            # would otherwise be those of the empty tables the import started with, long
            # after autovacuum's next visit; log2(batches) ANALYZEs cost seconds in all.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE papers_paper, papers_paperidentifier, papers_author")

    def _write(self, records: list[PaperRecord], prepared) -> None:
        digests = [r.digest() for r in records]
        idents = [_normalized_identifiers(r) for r in records]
        keys = [r.match_key() if r.year and r.authors else "" for r in records]

        # Which papers do the batch's identifiers and title keys name already?
        by_ident: dict[tuple[str, str], int] = {}
        wanted: dict[str, set[str]] = {}
        for ids in idents:
            for ident in ids:
                wanted.setdefault(ident.kind, set()).add(ident.value)
        for kind, values in wanted.items():
            for chunk in _chunks(sorted(values)):
                for value, paper_id in _select_in(
                    PaperIdentifier, ("value", "paper_id"), "value", chunk, kind=kind
                ):
                    by_ident[(kind, value)] = paper_id
        by_key: dict[str, int] = {}
        for chunk in _chunks(sorted({k for k in keys if k})):
            # merged_into is checked here, not in SQL: given both conditions, SQLite picks the
            # index on merged_into and scans every unmerged paper (200 ms a batch at 100k).
            rows = _select_in(Paper, ("match_key", "id", "merged_into_id"), "match_key", chunk)
            for key, paper_id, merged_into in rows:
                if merged_into is None:
                    by_key.setdefault(key, paper_id)

        new: list[int] = []
        slow: list[int] = []
        existing: dict[int, int] = {}  # record index -> paper id
        seen_in_batch: set = set()
        for i in range(len(records)):
            matches = {
                by_ident[(x.kind, x.value)] for x in idents[i] if (x.kind, x.value) in by_ident
            }
            if not matches and keys[i] in by_key:
                matches = {by_key[keys[i]]}
            marks = {(x.kind, x.value) for x in idents[i]} | ({keys[i]} if keys[i] else set())
            if len(matches) > 1 or (marks & seen_in_batch):
                slow.append(i)  # names two papers (a merge) or repeats a record of this batch
            elif matches:
                existing[i] = matches.pop()
            else:
                new.append(i)
            seen_in_batch |= marks

        if existing:
            stored = {}
            for chunk in _chunks(sorted(set(existing.values()))):
                stored.update(Paper.objects.filter(id__in=chunk).values_list("id", "import_hash"))
            for i, paper_id in existing.items():
                if stored.get(paper_id) == digests[i]:
                    self.tally["unchanged"] += 1
                else:
                    slow.append(i)

        if new:
            self._create(
                [records[i] for i in new],
                [idents[i] for i in new],
                [keys[i] for i in new],
                [digests[i] for i in new],
                self._typeset_later(records, new, prepared) if self.typeset else None,
            )
            self.tally["created"] += len(new)
            # New papers join the lists (an author's papers, search); no page shows them yet.
            changes.changed(lists=[changes.PAPERS])

        for i in sorted(slow):
            paper, status = upsert_paper(records[i])
            Paper.objects.filter(pk=paper.pk).update(import_hash=digests[i])
            self.tally[status] += 1

    def _venue(self, record: PaperRecord) -> tuple[int | None, str]:
        """The record's venue's id and its words for the search index ("name key")."""
        if not record.venue_key:
            return None, ""
        if record.venue_key not in self._venues:
            venue, _ = Venue.objects.get_or_create(
                key=record.venue_key,
                defaults={"name": record.venue_name or record.venue_key, "kind": record.venue_kind},
            )
            self._venues[record.venue_key] = (venue.pk, f"{venue.name} {venue.key}")
        return self._venues[record.venue_key]

    def _create(self, records, idents, keys, digests, typeset) -> None:
        """Insert new papers and their rows with the database's plain bulk path (executemany
        on SQLite, COPY on PostgreSQL): Django's bulk_create builds a model instance and
        prepares every value of every row, which cost more than the inserts themselves."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        # `typeset` gives the abstracts' HTML: handed over before (prepare(), or _write()), so
        # that their math is typeset while the rows that do not need it are written; the
        # papers' own rows go in last. Their foreign keys are checked at commit (deferred on
        # both databases), when the papers are there.
        titles = [
            typeset_title(r.title.strip()) if self.typeset and "$" in r.title else ""
            for r in records
        ]
        paper_ids = _reserve_ids(Paper, len(records))
        self._last_id = max([self._last_id, *paper_ids])
        self._create_links(records, idents, paper_ids)
        abstracts = [html for html, _ in typeset()] if typeset else [""] * len(records)
        _insert(
            Paper,
            (
                "id",
                "title",
                "title_html",
                "slug",
                "abstract",
                "abstract_html",
                "year",
                "published",
                "venue_id",
                "source",
                "links",
                "metadata",
                "match_key",
                "import_hash",
                "created",
                "updated",
            ),
            [
                (
                    pid,
                    r.title.strip(),
                    title_html,
                    _slug(r.title),
                    r.abstract,
                    abstract_html,
                    r.year,
                    ops.adapt_datefield_value(r.published),
                    self._venue(r)[0],
                    r.source,
                    json.dumps(r.links) if r.links else "[]",
                    json.dumps(r.extra),
                    key,
                    digest,
                    now,
                    now,
                )
                for pid, r, key, digest, title_html, abstract_html in zip(
                    paper_ids, records, keys, digests, titles, abstracts, strict=True
                )
            ],
        )
        if self.index and search_index.add_new_papers(
            [
                (
                    pid,
                    r.title.strip(),
                    ", ".join(a.name for a in r.authors),
                    r.abstract,
                    self._venue(r)[1],
                    " ".join(x.value for x in ids),
                    # In the keywords' order by id, as the pass reads them back.
                    " ".join(sorted(dict.fromkeys(r.keywords), key=self._keywords.__getitem__)),
                    r.year if r.year is not None else "",
                )
                for pid, r, ids in zip(paper_ids, records, idents, strict=True)
            ]
        ):
            changes.changed(lists=[changes.PAPERS, changes.SUMMARIES])  # search results

    def _create_links(self, records, idents, paper_ids) -> None:
        """The new papers' authors, keywords and identifiers."""
        # Authors: one row per display name (bulk matching by ORCID or a source's
        # disambiguated name is left to upsert_paper, which the slow path uses).
        names = sorted({a.name for r in records for a in r.authors})
        author_ids: dict[str, int] = {}
        for chunk in _chunks(names):
            for name, author_id in _select_in(Author, ("name", "id"), "name", chunk):
                author_ids.setdefault(name, author_id)
        missing: dict[str, tuple] = {}
        for r in records:
            for a in r.authors:
                if a.name not in author_ids and a.name not in missing:
                    missing[a.name] = (a.name, normalize_name(a.name), a.orcid, a.match_name)
        if missing:
            new_ids = _reserve_ids(Author, len(missing))
            _insert(
                Author,
                ("id", "name", "normalized_name", "orcid", "match_name"),
                [(aid, *row) for aid, row in zip(new_ids, missing.values(), strict=True)],
            )
            author_ids.update(zip(missing, new_ids, strict=True))
        _insert(
            PaperAuthor,
            ("paper_id", "author_id", "position"),
            [
                (pid, author_ids[a.name], pos)
                for pid, r in zip(paper_ids, records, strict=True)
                for pos, a in enumerate(r.authors)
            ],
        )

        missing_keywords = sorted({k for r in records for k in r.keywords} - self._keywords.keys())
        if missing_keywords:
            Keyword.objects.bulk_create(
                [Keyword(name=k) for k in missing_keywords], ignore_conflicts=True
            )
            self._keywords.update(
                Keyword.objects.filter(name__in=missing_keywords).values_list("name", "id")
            )
        _insert(
            Paper.keywords.through,
            ("paper_id", "keyword_id"),
            [
                (pid, self._keywords[k])
                for pid, r in zip(paper_ids, records, strict=True)
                for k in dict.fromkeys(r.keywords)
            ],
        )
        # Every identifier here was looked up above and is new, and records sharing one within
        # the batch went to the slow path; a conflict now means another writer added the same
        # identifier meanwhile, and SQLite skips it while PostgreSQL's COPY fails the batch
        # (rolled back whole; a re-run resumes from the checkpoint before it).
        _insert(
            PaperIdentifier,
            ("paper_id", "kind", "value", "display"),
            [
                (pid, x.kind, x.value, x.display)
                for pid, ids in zip(paper_ids, idents, strict=True)
                for x in ids
            ],
            ignore_conflicts=connection.vendor == "sqlite",
        )


def _pick(items: list, indices: list[int]) -> list:
    return [items[i] for i in indices]


def _select_in(model, columns: tuple[str, ...], column: str, values: list, **equal) -> list[tuple]:
    """SELECT columns WHERE column IN values (AND name = value ...), as plain SQL: on
    PostgreSQL one array parameter (= ANY) instead of thousands of placeholders, which the
    driver would parse and the server plan for every batch."""
    table = model._meta.db_table
    where = [f'"{name}" = %s' for name in equal]
    params: list = list(equal.values())
    if connection.vendor == "postgresql":
        where.append(f'"{column}" = ANY(%s)')
        params.append(list(values))
    else:
        where.append(f'"{column}" IN ({", ".join("%s" for _ in values)})')
        params.extend(values)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {names} FROM "{table}" WHERE {" AND ".join(where)}', params)
        return cursor.fetchall()


def _reserve_ids(model, n: int) -> list[int]:
    """n primary keys for rows about to be inserted, taken safely from under other writers."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction is IMMEDIATE (settings), so this process holds the write
        # lock from BEGIN to COMMIT and no other writer can take these ids meanwhile.
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + n))


def _insert(
    model, columns: tuple[str, ...], rows: list[tuple], *, ignore_conflicts: bool = False
) -> None:
    if not rows:
        return
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if ignore_conflicts:
                # COPY cannot skip a conflicting row; INSERT ... SELECT FROM unnest() can, in one statement.
                fields = {f.column: f for f in model._meta.concrete_fields}
                arrays = ", ".join(f"%s::{fields[c].db_type(connection)}[]" for c in columns)
                cursor.execute(
                    f'INSERT INTO "{table}" ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING',
                    [list(col) for col in zip(*rows, strict=True)],
                )
            else:
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
            cursor.cursor.executemany(f'{verb} INTO "{table}" ({names}) VALUES ({marks})', rows)
