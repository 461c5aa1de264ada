from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from shortscience.lib import identifiers, markup, records
from shortscience.lib.lookups import HasChar, in_list
from shortscience.web.links import link


def normalize_name(name: str) -> str:
    """A person's name folded for matching: no accents, no case, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_only.casefold().replace(".", " ").split())


class Venue(models.Model):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", "Conference"
        JOURNAL = "journal", "Journal"
        PREPRINT = "preprint", "Preprint server"
        OTHER = "other", "Other"

    key = models.CharField(
        max_length=100, unique=True, help_text="e.g. conf/nips, journals/jmlr, journals/corr"
    )
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text='other names importers may meet, e.g. ["NIPS", "NeurIPS"]',
    )
    doi_prefixes = models.JSONField(
        default=list, blank=True, help_text='DOI prefixes of its papers, e.g. ["10.5555/3295222"]'
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return link("discovery:venue", self.key)


class Author(models.Model):
    # Indexed: importers find an author by the name a source gives, a batch at a time.
    name = models.CharField(max_length=300, db_index=True)
    normalized_name = models.CharField(max_length=300, db_index=True, editable=False)
    orcid = models.CharField(max_length=19, blank=True, db_index=True)
    match_name = models.CharField(
        max_length=300,
        blank=True,
        db_index=True,
        help_text="a source's disambiguated name, e.g. DBLP's 'Wei Wang 0001'",
    )

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        slug = slugify(self.name)[:80].strip("-") or "author"
        return link("discovery:author", self.pk, slug)

    @property
    def surname(self) -> str:
        return records.surname(self.name) or self.name

    @classmethod
    def find_or_create(cls, info: records.AuthorInfo) -> Author:
        author = None
        if info.orcid:
            author = cls.objects.filter(orcid=info.orcid).first()
        if author is None and info.match_name:
            author = cls.objects.filter(match_name=info.match_name).first()
        if author is None:
            author = cls.objects.filter(name=info.name, orcid__in=["", info.orcid]).first()
        if author is None:
            return cls.objects.create(name=info.name, orcid=info.orcid, match_name=info.match_name)
        changed = False
        if info.orcid and not author.orcid:
            author.orcid, changed = info.orcid, True
        if info.match_name and not author.match_name:
            author.match_name, changed = info.match_name, True
        if changed:
            author.save()
        return author


class Keyword(models.Model):
    """An arXiv category (cs.LG) or a subject tag."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return link("discovery:keyword", self.name)


# Not merged away, with at least one public summary: the lists' condition, and their
# indexes' (Paper.Meta.indexes).
SUMMARISED = Q(last_summary__isnull=False, merged_into__isnull=True)
# Text not typeset yet, what `import_papers --no-render` leaves for `rerender_markup
# --missing-abstracts`: the pass's conditions, and their indexes' (Paper.Meta.indexes), which
# are empty once it has run, so that every import's closing check for them is instant
# instead of a scan of the library.
ABSTRACT_UNTYPESET = Q(abstract_html="") & ~Q(abstract="")
TITLE_UNTYPESET = Q(HasChar("title", "$"), title_html="")

# This site's own ids: "123", "shortscience:123", or a paper page's URL on any host.
_SITE_ID = re.compile(r"^(?:shortscience:)?(\d{1,18})$", re.IGNORECASE)
_SITE_URL = re.compile(r"^https?://[^/]+/paper/(\d{1,18})(?:/|$|\?)", re.IGNORECASE)


class PaperQuerySet(models.QuerySet):
    def summarised(self):
        """Papers (not merged away) with at least one public summary."""
        return self.filter(SUMMARISED)

    def untypeset_abstracts(self):
        return self.filter(ABSTRACT_UNTYPESET)

    def untypeset_titles(self):
        return self.filter(TITLE_UNTYPESET)

    def with_details(self) -> list[Paper]:
        """The papers with everything a page about them shows of the paper itself: venue,
        ordered authors, keywords and identifiers, in two queries whatever their number. (A
        prefetch per relation took four; on PostgreSQL each is a round trip.)"""
        papers = list(self.select_related("venue"))
        load_details(papers)
        return papers

    def get_with_details(self, **lookup) -> Paper | None:
        found = self.filter(**lookup).with_details()
        return found[0] if found else None

    def ids_for_keys(self, keys: list[str]) -> list[int | None]:
        """The id of the paper each key names, in the keys' order (None for an unknown key):
        any form `identifiers.candidates()` reads, this site's ids ("123", "shortscience:123")
        and its paper URLs on any host. One query for any number of keys. A site id is not
        checked here: whoever reads the papers drops unknown ones."""
        found: dict[str, int] = {}
        others = []
        for key in keys:
            match = _SITE_ID.match(key.strip()) or _SITE_URL.match(key.strip())
            if match:
                found[key] = int(match[1])
            else:
                others.append(key)
        found.update(self.resolve_key_ids(others))
        return [found.get(key) for key in keys]

    def for_key(self, key: str) -> Paper | None:
        """The paper a key names (any form ids_for_keys() reads), or the one it was merged
        into; None when none."""
        (pk,) = self.ids_for_keys([key])
        found = self.filter(pk=pk).first() if pk is not None else None
        if found is not None and found.merged_into_id:
            found = self.filter(pk=found.merged_into_id).first()
        return found

    def by_identifier(self, key: str):
        """The paper that any identifier, URL or legacy key names, or None."""
        found = self.resolve_keys([key])
        return found.get(key)

    def resolve_keys(self, keys: Iterable[str]) -> dict[str, Paper]:
        """Map each key to the paper it names, in two queries whatever the number of keys."""
        found = self.resolve_key_ids(keys)
        papers = Paper.objects.in_bulk(set(found.values()))
        return {key: papers[pk] for key, pk in found.items() if pk in papers}

    def resolve_key_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """Map each key to the id of the paper it names: one query for any number of keys,
        two when some name no paper by their specific readings."""
        read = {key: identifiers.candidates(key) for key in keys}
        # Every key can also be an old ShortScience key (candidates() lists LEGACY last), but
        # that reading counts only when the others name no paper: asked for up front, it
        # doubled the index probes of a batch of arXiv ids (bench/api_batch.py).
        first = {
            (i.kind, i.value)
            for readings in read.values()
            for i in readings
            if i.kind != identifiers.LEGACY or len(readings) == 1
        }
        found = self._paper_ids_of(first)
        left = {
            (i.kind, i.value)
            for readings in read.values()
            if len(readings) > 1 and not any((i.kind, i.value) in found for i in readings)
            for i in readings
            if i.kind == identifiers.LEGACY
        }
        if left:
            found.update(self._paper_ids_of(left))
        result: dict[str, int] = {}
        # candidates() lists the most specific reading first; keep the first hit per key.
        for key, readings in read.items():
            for ident in readings:
                paper_id = found.get((ident.kind, ident.value))
                if paper_id is not None:
                    result[key] = paper_id
                    break
        return result

    def _paper_ids_of(self, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(kind, value) -> paper id, for the identifiers among `wanted` that exist."""
        if not wanted:
            return {}
        # One list per kind (and per 500 values): a term per key made an expression
        # tree SQLite refuses past about a thousand keys. Written as SQL: Django's lookups
        # prepared each of 500 values one by one, a tenth of the API's batch look-up.
        by_kind: dict[str, list[str]] = {}
        for kind, value in sorted(wanted):
            by_kind.setdefault(kind, []).append(value)
        terms, params = [], []
        vendor = connections[self.db].vendor
        for kind, values in by_kind.items():
            for start in range(0, len(values), 500):
                member, member_params = in_list(
                    vendor, "value", values[start : start + 500], "text"
                )
                terms.append(f"(kind = %s AND {member})")
                params += [kind, *member_params]
        table = PaperIdentifier._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"SELECT kind, value, paper_id FROM {table} WHERE {' OR '.join(terms)}", params
            )
            return {(kind, value): paper_id for kind, value, paper_id in cursor.fetchall()}


class Paper(models.Model):
    class Source(models.TextChoices):
        ARXIV = "arXiv", "arXiv"
        CROSSREF = "Crossref", "Crossref"
        DBLP = "DBLP", "DBLP"
        OPENREVIEW = "OpenReview", "OpenReview"
        BIBTEX = "BibTeX", "BibTeX"
        MANUAL = "manual", "manual entry"

    title = models.CharField(max_length=1000)
    # The title with its math typeset (lib.markup.render_title), written with the title;
    # "" when the title has no "$" (most), and then pages show the title as text.
    title_html = models.TextField(blank=True, editable=False)
    # Not indexed: URLs carry the id; the slug is only checked against it.
    slug = models.SlugField(max_length=80, editable=False, db_index=False)
    abstract = models.TextField(blank=True)
    abstract_html = models.TextField(blank=True, editable=False)
    authors = models.ManyToManyField(Author, through="PaperAuthor", related_name="papers")
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    published = models.DateField(null=True, blank=True, help_text="first published")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="papers")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    links = models.JSONField(
        default=list, blank=True, help_text='extra outbound links: [{"label": ..., "url": ...}]'
    )
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="source-specific facts: journal_ref, comments, publisher, versions, ...",
    )
    match_key = models.CharField(
        max_length=260,
        blank=True,
        db_index=True,
        editable=False,
        help_text="normalized title|first author surname|year",
    )
    import_hash = models.CharField(
        max_length=40,
        blank=True,
        editable=False,
        help_text="digest of the last imported record, to skip unchanged ones fast",
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_papers",
        help_text="set when this paper was merged into another; its URL redirects there",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # From the paper's public summaries (public, not hidden), written by
    # summaries.models.refresh_paper_stats() in the transaction of every write that changes
    # them. The venue, keyword and year lists filter and sort by these: grouping every
    # summary of a venue instead took 2 s on SQLite for one of a million papers.
    public_summary_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    last_summary = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="when its newest public summary was edited"
    )

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        # The lists of summarised papers (PaperQuerySet.summarised(): the same condition),
        # newest summary first: all of them, of a venue, of a year; and a venue's years.
        # Partial: only papers with a public summary, a few percent of an import.
        indexes = [
            models.Index(fields=fields, name=name, condition=SUMMARISED)
            for name, fields in (
                ("paper_summarised_all", ["-last_summary", "-id"]),
                ("paper_summarised_venue", ["venue", "-last_summary", "-id"]),
                ("paper_summarised_year", ["year", "-last_summary", "-id"]),
                ("paper_summarised_venue_year", ["venue", "year"]),
            )
        ] + [
            models.Index(
                fields=["id"], name="paper_abstract_untypeset", condition=ABSTRACT_UNTYPESET
            ),
            models.Index(fields=["id"], name="paper_title_untypeset", condition=TITLE_UNTYPESET),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:80].strip("-") or "paper"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("discovery:paper", self.pk, self.slug)

    @property
    def title_display(self) -> SafeString:
        """The title as pages show it: typeset when it has math, else its text, escaped."""
        return mark_safe(self.title_html) if self.title_html else escape(self.title)  # noqa: S308 - stored sanitized

    @property
    def title_text(self) -> str:
        """The title as plain text, its math read out (ℓ₁, not $\\ell_1$): for <title>, meta
        tags, feeds and emails, which can show neither markup nor TeX."""
        return markup.html_text(self.title_html) if self.title_html else self.title

    def venue_year_url(self) -> str:
        """The list of its venue's papers of its year (of its venue, of its year, when it
        knows only one of them); "" when it knows neither."""
        if self.venue_id:
            url = self.venue.get_absolute_url()
            return f"{url}?year={self.year}" if self.year else url
        return link("discovery:year", self.year) if self.year else ""

    def compute_match_key(self) -> str:
        authors = self.ordered_authors
        return records.match_key(self.title, authors[0].name if authors else "", self.year)

    # What load_details() read, as (authors, keywords, identifiers); else the relations are
    # read (from prefetches when a list loaded them).
    _details: tuple[list[Author], list[Keyword], list[PaperIdentifier]] | None = None

    @property
    def ordered_authors(self) -> list[Author]:
        if self._details is not None:
            return self._details[0]
        return [a.author for a in sorted(self.authorships.all(), key=lambda a: a.position)]

    @property
    def keyword_list(self) -> list[Keyword]:
        if self._details is not None:
            return self._details[1]
        return list(self.keywords.all())

    @property
    def identifier_list(self) -> list[PaperIdentifier]:
        if self._details is not None:
            return self._details[2]
        return list(self.identifiers.all())

    def short_citation(self) -> str:
        """'Vaswani et al. 2017': how a \\cite of this paper reads in a summary."""
        authors = self.ordered_authors
        if not authors:
            who = self.title[:40]
        elif len(authors) == 1:
            who = authors[0].surname
        elif len(authors) == 2:
            who = f"{authors[0].surname} and {authors[1].surname}"
        else:
            who = f"{authors[0].surname} et al."
        return f"{who} {self.year}" if self.year else who

    def published_age(self, today: date | None = None) -> str:
        """'8 years ago', as the paper page says next to the first-published date."""
        if not self.published:
            return ""
        today = today or date.today()
        months = (today.year - self.published.year) * 12 + today.month - self.published.month
        if today.day < self.published.day:
            months -= 1
        if months >= 12:
            years = months // 12
            return f"{years} year{'s' if years != 1 else ''} ago"
        if months >= 1:
            return f"{months} month{'s' if months != 1 else ''} ago"
        return "this month"

    def identifier(self, kind: str) -> PaperIdentifier | None:
        for ident in self.identifier_list:
            if ident.kind == kind:
                return ident
        return None

    def outbound_links(self) -> list[tuple[str, str]]:
        links: list[tuple[str, str]] = []
        order = {k: i for i, k in enumerate(identifiers.KINDS)}
        for ident in sorted(self.identifier_list, key=lambda i: order.get(i.kind, 99)):
            links.extend(identifiers.url_for(ident.as_identifier()))
        for extra in self.links or []:
            url = str(extra.get("url", ""))
            if url.startswith(("https://", "http://")):
                links.append((str(extra.get("label") or "Link"), url))
        return links

    def set_authors(self, authors: list[records.AuthorInfo]) -> None:
        """Replace the ordered author list, reusing Author rows: same ORCID iD, else same
        disambiguated name, else same display name."""
        self._details = None
        self.authorships.all().delete()
        for position, info in enumerate(authors):
            author = Author.find_or_create(info)
            PaperAuthor.objects.create(paper=self, author=author, position=position)

    def add_identifier(self, kind: str, value: str) -> PaperIdentifier:
        ident = identifiers.normalize(kind, value)
        row, _ = PaperIdentifier.objects.update_or_create(
            kind=ident.kind, value=ident.value, defaults={"paper": self, "display": ident.display}
        )
        self._details = None
        return row


class PaperAuthor(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="authorships")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "position"], name="paperauthor_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.author_id} on {self.paper_id}"


class PaperIdentifier(models.Model):
    """One external identifier of a paper; any of them finds it."""

    KIND_CHOICES = [
        (identifiers.ARXIV, "arXiv"),
        (identifiers.DOI, "DOI"),
        (identifiers.DBLP, "DBLP key"),
        (identifiers.OPENREVIEW, "OpenReview id"),
        (identifiers.LEGACY, "ShortScience key"),
    ]

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    value = models.CharField(max_length=300, help_text="normalized: what lookups match")
    display = models.CharField(
        max_length=300, blank=True, help_text="as shown, e.g. with arXiv version"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], name="paperidentifier_unique_kind_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.display or self.value}"

    def as_identifier(self) -> identifiers.Identifier:
        return identifiers.Identifier(self.kind, self.value, self.display)


def names_and_identifiers(
    paper_ids: Iterable[int], batch: int = 500
) -> dict[int, tuple[list[str], list[tuple[str, str]]]]:
    """For each paper, its authors' names in order and its (kind, value) identifiers, in one
    statement per `batch` papers and no model instances: what a list of many papers needs
    of them (the API's batch look-up), at a tenth of load_details()'s cost."""
    ids = list(paper_ids)
    out: dict[int, tuple[list[str], list[tuple[str, str]]]] = {pk: ([], []) for pk in ids}
    authorship, author = PaperAuthor._meta.db_table, Author._meta.db_table
    ident = PaperIdentifier._meta.db_table

    def sql(member) -> str:
        return (
            f"SELECT 0, pa.paper_id, pa.position, a.name, '' FROM {authorship} pa "
            f"JOIN {author} a ON a.id = pa.author_id WHERE {member('pa.paper_id')} "
            f"UNION ALL SELECT 1, i.paper_id, i.id, i.kind, i.value FROM {ident} i "
            f"WHERE {member('i.paper_id')}"
        )

    for which, paper_id, _order, a, b in _rows_for_papers(ids, batch, sql, DEFAULT_DB_ALIAS):
        if which == 0:
            out[paper_id][0].append(a)
        else:
            out[paper_id][1].append((a, b))
    return out


def _rows_for_papers(ids: list[int], batch: int, sql, using: str):
    """The rows of `sql(member)` (a UNION ALL of selects, each filtering with
    `member(column)`: the column is one of the ids), per `batch` ids, each batch in the
    order of its rows' leading columns."""
    vendor = connections[using].vendor
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        params: list = []

        def member(column: str, chunk=chunk, params=params) -> str:
            text, values = in_list(vendor, column, chunk, "bigint")
            params.extend(values)
            return text

        statement = sql(member)
        with connections[using].cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        rows.sort(key=lambda r: r[:4])
        yield from rows


def load_details(papers: list[Paper], batch: int = 200) -> None:
    """Read the authors, keywords and identifiers of `papers` in one statement (per `batch`
    papers) and keep them on each paper for ordered_authors, keyword_list and identifier_list.
    Rows are built with Model.from_db(), so a field not read here loads on first use."""
    by_id = {p.pk: p for p in papers}
    for paper in papers:
        paper._details = ([], [], [])
    using = papers[0]._state.db if papers else DEFAULT_DB_ALIAS
    ids = list(by_id)
    through = Paper.keywords.through._meta
    authorship, author = PaperAuthor._meta.db_table, Author._meta.db_table
    keyword, ident = Keyword._meta.db_table, PaperIdentifier._meta.db_table
    paper_of_keyword = through.get_field("paper").column
    keyword_of_paper = through.get_field("keyword").column

    def sql(member) -> str:
        # One row shape for the three: (which, paper, order, id, three text columns).
        return (
            f"SELECT 0, pa.paper_id, pa.position, a.id, a.name, a.normalized_name, a.orcid "
            f"FROM {authorship} pa JOIN {author} a ON a.id = pa.author_id "
            f"WHERE {member('pa.paper_id')} "
            f"UNION ALL SELECT 1, pk.{paper_of_keyword}, 0, k.id, k.name, '', '' "
            f"FROM {through.db_table} pk JOIN {keyword} k ON k.id = pk.{keyword_of_paper} "
            f"WHERE {member('pk.' + paper_of_keyword)} "
            f"UNION ALL SELECT 2, i.paper_id, 0, i.id, i.kind, i.value, i.display "
            f"FROM {ident} i WHERE {member('i.paper_id')}"
        )

    for which, paper_id, _position, pk, a, b, c in _rows_for_papers(ids, batch, sql, using):
        details = by_id[paper_id]._details
        if which == 0:
            row = Author.from_db(using, ["id", "name", "normalized_name", "orcid"], [pk, a, b, c])
        elif which == 1:
            row = Keyword.from_db(using, ["id", "name"], [pk, a])
        else:
            row = PaperIdentifier.from_db(
                using,
                ["id", "paper_id", "kind", "value", "display"],
                [pk, paper_id, a, b, c],
            )
        details[which].append(row)
    for paper in papers:
        paper._details[1].sort(key=lambda k: k.name)  # Keyword's own ordering


class MergeLog(models.Model):
    """One merge of two papers into one, with what moved, so that it can be undone."""

    kept = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="merges_in")
    merged = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="merges_out")
    by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="empty for the importer's own merges",
    )
    reason = models.CharField(max_length=300, blank=True)
    # {"identifiers": [pk, ...], "summaries": [pk, ...], "keywords": [pk, ...]}
    moved = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    undone = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"paper {self.merged_id} merged into {self.kept_id}"


class ImportCheckpoint(models.Model):
    """How far a bulk import of one file got: committed with each batch, so an interrupted
    import resumes after the last batch that was written."""

    key = models.CharField(
        max_length=500, unique=True, help_text="kind and absolute path of the file"
    )
    position = models.BigIntegerField(default=0, help_text="last line or record number written")
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} at {self.position}"
