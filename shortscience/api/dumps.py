"""Open data dumps: everything a logged-out visitor may read, as files a mirror can keep.

`manage.py export_dump DIR` writes a release, DIR/<release id>/: papers, public summaries,
public comments and active members' public profiles as gzipped JSON Lines, at most
SHARD_SIZE records a file, and `manifest.json` (each file's sha256, records and bytes; the
licences). Papers and summaries are the API's own records (api/records.py), so that a line
of the dump is what the API answers for it.

A release is written under a hidden name (`.partial-<id>`) and renamed whole when its
manifest is written: a reader never sees half a release, and an interrupted run leaves
nothing behind but, if it was killed outright, a `.partial-*` directory; it is run again.

Every table is read by ranges of primary keys, BATCH rows at a time, into gzip streams:
memory stays flat however large the library. The whole release reads one snapshot of the
database where the database offers one (_snapshot()).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shortscience.api import records
from shortscience.community.models import Comment
from shortscience.groups.models import ReadingGroup
from shortscience.lib.progress import Progress
from shortscience.lists.models import ReadingList
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.web.links import absolute, link

SCHEMA_VERSION = 1
SHARD_SIZE = 500_000
# Rows read at a time: papers and members are short; a summary or comment may be up to
# 100,000 characters, and as long again rendered, so those come fewer at a time.
BATCH = 2000
TEXT_BATCH = 500
KINDS = ("papers", "summaries", "comments", "users", "lists", "groups")
MANIFEST = "manifest.json"
PARTIAL = ".partial-"
# A release's id is the time it began, in UTC: names sort by age, and carry no separator or
# dot, so that a name matching these is all the download view needs to stay inside DUMPS_DIR.
RELEASE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
FILE_NAME = re.compile(r"^(?:papers|summaries|comments|users|lists|groups)-\d{5}\.jsonl\.gz$")
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
# Level 6, not gzip's 9, which took 40% longer for files 0.4% smaller on the benchmark
# corpus; level 1 took a quarter of the time for files 20% larger, and a release is
# downloaded more often than it is written.
_GZIP_LEVEL = 6
# What a summary's record reads of its paper: the title and the link. The rest (the
# abstract and its typeset HTML, the source's metadata) is most of a paper row.
_PAPER_TEXT = ("paper__abstract", "paper__abstract_html", "paper__metadata", "paper__links")


def member(u) -> dict:
    """What an active member's profile page shows of them. No count of their summaries: the
    summaries file holds their signed ones, and a count is one more place through which an
    anonymous one could show."""
    return {
        "username": u.username,
        "display_name": u.shown_name,
        "url": absolute(link("members:profile", u.username)),
        "bio": u.bio,
        "orcid": u.orcid or None,
        "reputation": u.reputation,
        "joined": u.date_joined,
    }


def _kinds() -> list[tuple[str, QuerySet, Callable[[list], list[dict]], int]]:
    """Each file's kind, the rows of it every visitor may read, their records, and how many
    rows to read at a time."""
    return [
        (
            # A paper merged into another is that one now (its URL redirects there).
            "papers",
            Paper.objects.filter(merged_into__isnull=True).only("pk"),
            lambda rows: records.described([p.pk for p in rows]),
            BATCH,
        ),
        (
            "summaries",
            Summary.objects.public().select_related("user", "paper").defer(*_PAPER_TEXT),
            lambda rows: [records.summary(s) for s in rows],
            TEXT_BATCH,
        ),
        (
            "comments",
            Comment.objects.public()
            .select_related("user", "summary")
            .only(
                *("summary", "user", "parent", "body", "body_html", "created", "edited"),
                *("upvotes", "downvotes", "user__username", "user__display_name"),
                *("is_deleted", "user__is_active", "summary__is_anonymous", "summary__user"),
            ),
            lambda rows: [records.comment(c) for c in rows],
            TEXT_BATCH,
        ),
        (
            "users",
            get_user_model().objects.filter(is_active=True),
            lambda rows: [member(u) for u in rows],
            BATCH,
        ),
        # Public reading lists and groups only: an unlisted list is found through its link
        # alone, and a members-only group is its members' business. Papers by id and link.
        ("lists", ReadingList.objects.public().select_related("owner"), _lists, TEXT_BATCH),
        ("groups", ReadingGroup.objects.public(), _groups, TEXT_BATCH),
    ]


def _lists(rows: list) -> list[dict]:
    items = records.list_items(rows)
    refs = records.paper_refs(item.paper_id for found in items.values() for item in found)
    return [records.reading_list(rl, items[rl.pk], refs) for rl in rows]


def _groups(rows: list) -> list[dict]:
    members, upcoming, past = records.programmes(rows)
    meetings = [m for by_group in (upcoming, past) for found in by_group.values() for m in found]
    refs = records.paper_refs(m.paper_id for m in meetings)
    return [records.group(g, members[g.pk], upcoming[g.pk], past[g.pk], refs) for g in rows]


def _licence() -> dict:
    contributed = {
        "license": records.LICENSE,
        "url": LICENSE_URL,
        "attribution": ["author.username", "author.display_name", "permalink"],
        "note": (
            "Credit the author by name and link the permalink. When author is null (an "
            "anonymous summary, its author commenting under it, or a closed account), "
            f"credit {settings.SITE_NAME} ({settings.SITE_ROOT}) and link the permalink."
        ),
    }
    return {
        "summaries": contributed,
        "comments": contributed,
        "papers": {
            "license": None,
            "note": (
                "Bibliographic metadata as given by its sources (arXiv, Crossref, DBLP, "
                "OpenReview): facts, for which this site claims no licence. Abstracts remain "
                "under the terms their authors or publishers gave them."
            ),
        },
        "users": {
            "license": None,
            "note": "Members' public profiles, as their profile pages show them.",
        },
        "lists": {**contributed, "attribution": ["owner.username", "owner.display_name", "url"]},
        "groups": {
            "license": None,
            "note": "Public reading groups' programmes, as their pages show them.",
        },
    }


def export(
    directory: Path,
    *,
    shard_size: int = SHARD_SIZE,
    batch: int | None = None,
    out: TextIO | None = None,
    now: datetime | None = None,
) -> Path:
    """Write a release into a new directory of `directory` and return its path; progress
    on `out` (stderr). `batch`: rows read at a time, instead of each kind's own."""
    started = (now or timezone.now()).replace(microsecond=0)
    release = started.strftime("%Y-%m-%dT%H%M%SZ")
    final = directory / release
    partial = directory / f"{PARTIAL}{release}"
    directory.mkdir(parents=True, exist_ok=True)
    if final.exists():
        raise FileExistsError(f"{final} exists already: one release per second at most.")
    partial.mkdir()
    try:
        files: list[dict] = []
        with _snapshot():
            for kind, rows, describe, size in _kinds():
                progress = Progress(rows.count(), f"{kind} ", out=out)
                with _Shards(partial, kind, shard_size) as shards:
                    for chunk in _by_pk(rows, batch or size):
                        shards.write([_line(r) for r in describe(chunk)])
                        progress.advance(len(chunk))
                progress.finish()
                files += shards.files
        manifest = {
            "release": release,
            "schema_version": SCHEMA_VERSION,
            "created": started,
            "site": settings.SITE_ROOT,
            "records": {
                kind: sum(f["records"] for f in files if f["kind"] == kind) for kind in KINDS
            },
            "files": files,
            "license": _licence(),
        }
        (partial / MANIFEST).write_text(
            json.dumps(manifest, cls=DjangoJSONEncoder, indent=2) + "\n", encoding="utf-8"
        )
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def latest(directory: str | Path) -> dict | None:
    """The manifest of the newest complete release in `directory`, or None."""
    try:
        names = sorted((n for n in os.listdir(directory) if RELEASE_ID.match(n)), reverse=True)
    except OSError:
        return None
    for name in names:
        try:
            manifest = json.loads(Path(directory, name, MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a release: someone else's directory, or one damaged by hand
        if _is_manifest(manifest, name):
            return manifest
    return None


def _is_manifest(manifest, release: str) -> bool:
    """What the site reads of a manifest is there, in its shape (a hand-edited one may not be)."""
    try:
        return manifest["release"] == release and all(
            isinstance(f["name"], str) and FILE_NAME.match(f["name"]) for f in manifest["files"]
        )
    except (KeyError, TypeError):
        return False


def prune(directory: str | Path, keep: str) -> list[str]:
    """Remove every release in `directory` but `keep` (the one just written): a summary
    deleted, hidden or made private since an older release must not stay downloadable
    from this site. Mirrors keep their own copies; the site serves only the latest."""
    removed = []
    for name in os.listdir(directory):
        if (RELEASE_ID.match(name) or name.startswith(PARTIAL)) and name != keep:
            shutil.rmtree(Path(directory, name), ignore_errors=True)
            removed.append(name)
    return sorted(removed)


def release_file(directory: str | Path, release: str, name: str) -> Path | None:
    """A file of the latest release in `directory`, or None: an older release may hold what
    has been taken down since. Only names a release holds are looked up: neither can hold a
    separator or "..", so no request reaches outside `directory`."""
    if not RELEASE_ID.match(release) or not (name == MANIFEST or FILE_NAME.match(name)):
        return None
    current = latest(directory)
    if current is None or current["release"] != release:
        return None
    path = Path(directory, release, name)
    return path if path.is_file() else None


def _by_pk(rows: QuerySet, size: int) -> Iterator[list]:
    """Every row of `rows`, `size` at a time, each batch the next range of primary keys
    (pk > the last one read): an index seek however deep into the table, where an OFFSET
    would read again every row before it."""
    last = 0  # ids start at 1
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _line(record: dict) -> bytes:
    # DjangoJSONEncoder writes dates as the API's JSON does, so a record reads the same.
    text = json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return text.encode() + b"\n"


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read the whole release from one snapshot of the database, where it offers one.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction, as pg_dump reads. SQLite: a
    deferred read transaction, which in WAL mode sees the database as of its first read
    and blocks no writer; atomic() would not do, it begins IMMEDIATE (settings.py) and
    would hold the write lock for the whole export. Either way the database keeps the
    old versions of rows changed meanwhile (PostgreSQL's vacuum, SQLite's WAL checkpoint
    wait) until the export ends. Already in a transaction (a test): that one.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")  # it wrote nothing: the end of the snapshot
    else:
        yield


class _Shards:
    """Lines of one kind into `<kind>-00001.jsonl.gz`, `-00002`, ..., `size` lines a file;
    one empty file when there are none, so that every release has every kind. `files` is
    what the manifest says of each."""

    def __init__(self, directory: Path, kind: str, size: int):
        self.directory, self.kind, self.size = directory, kind, size
        self.files: list[dict] = []
        self._raw = self._gzip = None
        self._count = 0

    def __enter__(self) -> _Shards:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None and self._gzip is None:
            self._open()
        self._close()

    def write(self, lines: list[bytes]) -> None:
        while lines:
            if self._gzip is None or self._count == self.size:
                self._close()
                self._open()
            room = self.size - self._count
            self._gzip.write(b"".join(lines[:room]))
            self._count += len(lines[:room])
            lines = lines[room:]

    def _open(self) -> None:
        path = self.directory / f"{self.kind}-{len(self.files) + 1:05d}.jsonl.gz"
        self._raw = open(path, "wb")  # noqa: SIM115 (closed in _close, with its gzip stream)
        # mtime 0: the same records make the same bytes, and the same sha256.
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._raw, compresslevel=_GZIP_LEVEL, mtime=0
        )
        self._count = 0

    def _close(self) -> None:
        if self._gzip is None:
            return
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())  # on disk before the release is renamed into sight
        self._raw.close()
        path = Path(self._raw.name)
        with open(path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        self.files.append(
            {
                "name": path.name,
                "kind": self.kind,
                "records": self._count,
                "bytes": path.stat().st_size,
                "sha256": digest,
            }
        )
        self._raw = self._gzip = None
