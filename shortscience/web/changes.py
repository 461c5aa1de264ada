"""What a write changed, said once by the service that made it.

    changes.changed(papers=[summary.paper_id], lists=[changes.SUMMARIES])

The vocabulary is what pages show (web/pages.py keys every cached page by the same words):

- `papers`: a paper's own record and everything shown of it: its summaries (text, votes,
  comment counts, bylines), its discussions, its place in lists. A vote on one summary says
  its paper changed: that paper's page, its summaries' pages and the lists showing it are
  rendered again, and no other page.
- `members`: a member's name, profile, reputation and the list of their signed work.
- `lists`: which items a list holds and in what order, when that can change without any
  item the list shows changing: SUMMARIES (the home tabs, feeds, search: a new summary, a
  vote that reorders "Best"), PAPERS (the venue, keyword, year and author lists, sitemaps:
  a paper's first public summary, a new paper), MEMBERS (the directory), MODERATION (the
  public log).
- `everything()`: for what touches every page (re-rendered markup, an admin's edit, the demo
  loader).

A service says only what a visitor could see change: the save of a summary that is private
before and after says nothing, and an anonymous summary's change never names its author.
An event is itself visible (a page is rendered again), so it must not tell more than the
page does.

Collected per transaction, de-duplicated, and applied once the transaction commits: one
short transaction bumps the clock and writes one ContentChange row per tag. A write that
rolls back changes nothing and says nothing. If applying fails (the database went away just
after the commit), this process drops every page it keeps and the error is logged; other app
servers keep theirs until they expire (PAGE_CACHE_SECONDS).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

SUMMARIES, PAPERS, MEMBERS, MODERATION = "summaries", "papers", "members", "moderation"
# The open data page: a new release is a file, not a row, but visitors see it there.
DUMPS = "dumps"
# /wanted: papers by open summary requests.
WANTED = "wanted"
# /lists: the directory of public reading lists.
READING_LISTS = "reading_lists"
# /groups: the directory of public reading groups.
READING_GROUPS = "reading_groups"
LISTS = (SUMMARIES, PAPERS, MEMBERS, MODERATION, DUMPS, WANTED, READING_LISTS, READING_GROUPS)
EVERYTHING = "everything"

# More tags than this in one transaction (a bulk command's batch) are said as EVERYTHING:
# every app server reads each change row, and a batch of thousands of papers re-renders
# most pages anyway.
MAX_TAGS = 1000
# Pruning the log: every PRUNE_EVERY changes, rows older than the pages can be.
PRUNE_EVERY = 100


def paper_tag(pk: int) -> str:
    return f"paper:{int(pk)}"


def member_tag(pk: int) -> str:
    return f"member:{int(pk)}"


def group_tag(pk: int) -> str:
    return f"group:{int(pk)}"


def list_tag(name: str) -> str:
    if name not in LISTS:
        raise ValueError(f"Unknown list {name!r}: one of {', '.join(LISTS)}")
    return f"list:{name}"


def tags_for(
    *,
    papers: Iterable = (),
    members: Iterable = (),
    lists: Iterable[str] = (),
    groups: Iterable = (),
) -> set:
    return (
        {paper_tag(pk) for pk in papers if pk is not None}
        | {member_tag(pk) for pk in members if pk is not None}
        | {list_tag(name) for name in lists}
        | {group_tag(pk) for pk in groups if pk is not None}
    )


def changed(
    *,
    papers: Iterable = (),
    members: Iterable = (),
    lists: Iterable[str] = (),
    groups: Iterable = (),
) -> None:
    """Say what the current transaction changed (ids of papers, members and reading groups,
    names of lists); applied when it commits."""
    _collect(tags_for(papers=papers, members=members, lists=lists, groups=groups))


def everything() -> None:
    """Say that every page may have changed."""
    _collect({EVERYTHING})


class _Batch:
    """The tags said in one transaction; called by Django once it commits."""

    def __init__(self) -> None:
        self.tags: set[str] = set()

    def __call__(self) -> None:
        conn = transaction.get_connection()
        if conn.__dict__.get("_content_changes") is self:
            del conn._content_changes
        apply(self.tags)


def _collect(tags: set[str]) -> None:
    if not tags:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        apply(tags)
        return
    batch = conn.__dict__.get("_content_changes")
    # A batch whose callback is gone was in a savepoint that rolled back (or ran already):
    # start another. One rolled back with tags said outside it keeps them: saying too
    # much costs a render, saying too little a stale page.
    if batch is None or not any(func is batch for _, func, _ in conn.run_on_commit):
        batch = _Batch()
        conn._content_changes = batch
        transaction.on_commit(batch, robust=True)
    batch.tags |= tags


def apply(tags: set[str]) -> None:
    """Write the changes in a transaction of their own and tell this process at once.
    Nothing to do when the page cache is off (PAGE_CACHE_SECONDS = 0): no page is kept."""
    from shortscience.web.models import ContentChange

    if settings.PAGE_CACHE_SECONDS <= 0:
        return
    if len(tags) > MAX_TAGS:
        tags = {EVERYTHING}
    try:
        with transaction.atomic():
            seq = _tick()
            ContentChange.objects.bulk_create(
                [ContentChange(seq=seq, tag=tag) for tag in sorted(tags)]
            )
            if seq % PRUNE_EVERY == 0:
                _prune()
    except Exception:
        log.exception("Could not record a content change; this process drops its pages")
        versions.lost()
        return
    versions.saw(seq, tags)
    # Read what other servers changed meanwhile too, so that the pages this process renders
    # next are stamped with this change and not found stale at once.
    versions.sync()


def new_log() -> None:
    """Start the log again under a new epoch: every page kept anywhere is stale at once here
    and within PAGE_CACHE_VERSION_SECONDS on every other app server. For a database restored
    from a copy, whose log numbers changes again from an earlier point (`refresh_pages`)."""
    _new_epoch()
    versions.sync()


def _new_epoch(replacing: str | None = None) -> None:
    """A new epoch on the clock; with `replacing`, only if the clock still has that one (so
    that processes finding the log gone back at once rotate it once)."""
    from shortscience.web.models import ContentClock, new_epoch

    clock = ContentClock.objects.filter(pk=1)
    if replacing is not None:
        clock = clock.filter(epoch=replacing)
    if not clock.update(epoch=new_epoch()) and replacing is None:
        ContentClock.objects.create(pk=1)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tick() -> int:
    """The next change number. The clock's row stays locked until the change rows commit:
    numbers become visible in the order they were taken, so a reader that saw number n has
    seen every change before it."""
    from shortscience.web.models import ContentClock

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(ContentClock)} SET seq = seq + 1 WHERE id = 1 RETURNING seq"
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    ContentClock.objects.get_or_create(pk=1)  # a table emptied since the migration made it
    return _tick()


def _prune() -> None:
    """Drop the changes older than any page still kept (PAGE_CACHE_SECONDS, and a minute for
    clocks that differ), and note how far: a page older than that is stale by definition."""
    from shortscience.web.models import ContentChange, ContentClock

    cutoff = timezone.now() - timedelta(seconds=settings.PAGE_CACHE_SECONDS + 60)
    old = ContentChange.objects.filter(created__lt=cutoff)
    upto = old.order_by("-seq").values_list("seq", flat=True).first()
    if upto is not None:
        ContentChange.objects.filter(seq__lte=upto).delete()
        ContentClock.objects.filter(pk=1, pruned__lt=upto).update(pruned=upto)


class Versions:
    """This process's knowledge of the changes: for each tag, the number of its last change.

    `sync()` reads the changes since the last one it read, at most twice per
    PAGE_CACHE_VERSION_SECONDS (one indexed query; `stamp()` does it when due). A write
    made in this process is known at once (`saw()`).

    The promise is that a visitor sees a change within PAGE_CACHE_VERSION_SECONDS of its
    commit. Reading the log twice as often leaves room for `may_serve_stale()`: while one
    request renders a page again, others asking for it may have the copy it replaces, as
    long as no change that copy lacks committed more than PAGE_CACHE_VERSION_SECONDS ago.
    For that, each read of the log keeps a bound: every change it brought committed after
    the previous read began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._failed: tuple[float, DatabaseError] | None = None  # (retry after, the error)
        self.epoch = ""  # the log's, read from the clock
        self.synced = 0  # every change up to this number is known
        self.pruned = 0  # pages stamped before this may predate changes no longer listed
        self.newest = 0  # the last change known, of any tag
        self.latest: dict[str, int] = {}
        self._next_sync = 0.0
        self._history: list[tuple[float, int]] = []  # (when, synced) to forget old tags
        # (last number a read brought, when the read before it began): the changes up to
        # that number and after the previous one committed after that moment.
        self._reads: list[tuple[int, float]] = []
        self._read_began: float | None = None  # when the last read began
        self._no_grace_upto = 0  # changes up to this number: when they committed is unknown

    def stamp(self) -> tuple[str, int]:
        """What to stamp a page rendered now with: the log's epoch and a number such that
        every change up to it committed before the render reads anything. Raises the
        database's error while it is unreachable: after a read fails, the next is tried
        PAGE_CACHE_VERSION_SECONDS / 2 later, not by every request meanwhile."""
        now = time.monotonic()
        if now >= self._next_sync:
            if self._failed is not None and now < self._failed[0]:
                raise self._failed[1]
            try:
                self.sync()
            except DatabaseError as e:
                self._failed = (now + settings.PAGE_CACHE_VERSION_SECONDS / 2, e)
                raise
            self._failed = None
        return self.epoch, self.synced

    def sync(self) -> None:
        from shortscience.web.models import ContentChange, ContentClock

        with self._lock:
            since = self.synced
        # One statement: the changes since the last read, and the clock (number, pruned,
        # epoch), from one snapshot: a change whose number the clock shows has committed.
        sql = (
            f"SELECT seq, tag, NULL, NULL FROM {_table(ContentChange)} WHERE seq > %s "
            f"UNION ALL SELECT seq, NULL, pruned, epoch FROM {_table(ContentClock)} WHERE id = 1"
        )
        began = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute(sql, [since])
            rows = cursor.fetchall()
        clock = next(
            ((seq, pruned, epoch) for seq, tag, pruned, epoch in rows if tag is None), None
        )
        seq_now, pruned, epoch = clock or (0, 0, "")
        now = time.monotonic()
        if epoch == self.epoch and seq_now < since:
            # The clock went back: a database restored from a copy, whose log hands out
            # again numbers that pages kept were stamped with. A new epoch drops them all.
            self.restart_log(epoch)
            return
        with self._lock:
            if epoch != self.epoch:
                # A new log (a recreated table, a restored database): nothing known before
                # holds, and no page stamped in the old one is kept.
                self.reset()
                self.epoch = epoch
            # (A snapshot older than what another thread of this process read meanwhile
            # adds what it has and lowers nothing.)
            for seq, tag, _, _ in rows:
                if tag is not None and seq > self.synced:
                    self._note(seq, tag)
            if seq_now > self.synced:
                if self._read_began is None:
                    self._no_grace_upto = max(self._no_grace_upto, seq_now)
                else:
                    self._reads.append((seq_now, self._read_began))
            if self._read_began is None or began > self._read_began:
                self._read_began = began
            self.synced = max(self.synced, seq_now)
            self.pruned = max(self.pruned, pruned)
            self._next_sync = now + settings.PAGE_CACHE_VERSION_SECONDS / 2
            self._forget(now)

    def restart_log(self, epoch: str) -> None:
        """Give the log a new epoch (unless another process just did), then read it: the
        new epoch makes the read start this process's knowledge afresh."""
        log.warning("The log of content changes went back; every page kept is dropped")
        _new_epoch(replacing=epoch)
        self.sync()

    def saw(self, seq: int, tags: Iterable[str]) -> None:
        with self._lock:
            for tag in tags:
                self._note(seq, tag)

    def lost(self) -> None:
        """A change could not be recorded: treat every page stamped so far as stale."""
        with self._lock:
            self.pruned = max(self.pruned, self.newest, self.synced) + 1

    def _note(self, seq: int, tag: str) -> None:
        if seq > self.latest.get(tag, 0):
            self.latest[tag] = seq
        self.newest = max(self.newest, seq)

    def may_serve_stale(self, epoch: str, stamp: int, now: float | None = None) -> bool:
        """Whether a page stamped `stamp`, stale now, may still be served while another
        request renders it: only if every change it lacks committed less than
        PAGE_CACHE_VERSION_SECONDS ago (its earliest one committed after a moment this
        process knows)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if epoch != self.epoch or stamp < self.pruned or stamp < self._no_grace_upto:
                return False
            # The earliest change after the stamp is in the first read that went past it;
            # one not read yet (this process's own) committed after the last read began.
            bound = next((began for upto, began in self._reads if upto > stamp), None)
            if bound is None:
                bound = self._read_began
            return bound is not None and now < bound + settings.PAGE_CACHE_VERSION_SECONDS

    def _forget(self, now: float) -> None:
        # Reads that began long ago give no room to any page: keep only their last number.
        old = [
            upto
            for upto, began in self._reads
            if began < now - 2 * settings.PAGE_CACHE_VERSION_SECONDS
        ]
        if old:
            self._no_grace_upto = max(self._no_grace_upto, *old)
            self._reads = [
                (upto, began) for upto, began in self._reads if upto > self._no_grace_upto
            ]
        # Tags last changed before any page still kept can be forgotten: a page stamped
        # after them is not affected, and none stamped before is still kept.
        self._history.append((now, self.synced))
        horizon = now - settings.PAGE_CACHE_SECONDS - 60
        old = [synced for when, synced in self._history if when < horizon]
        if not old:
            return
        self._history = [(w, s) for w, s in self._history if w >= horizon]
        below = max(old)
        self.latest = {tag: seq for tag, seq in self.latest.items() if seq > below}

    def fresh(
        self, epoch: str, stamp: int, tags: tuple[str, ...] | None, *, read: bool = True
    ) -> bool:
        """Whether a page stamped `stamp` in `epoch` that shows `tags` (None: not declared,
        so any change) is still what a render now would give, as far as this process
        knows. With read=False (the database is unreachable), without reading the log: a
        page stamped past what this process knows was rendered from a newer state."""
        if epoch != self.epoch or stamp < self.pruned:
            return False
        if stamp > self.synced and not read:
            return True
        if stamp > self.synced:
            # Stamped by a process that read the log after this one did: read it now. A
            # page stamped beyond what the log holds comes from a log that went back since
            # (a restored database, the whole site restarted after it).
            self.sync()
            if stamp > self.synced and epoch == self.epoch:
                self.restart_log(epoch)
            if epoch != self.epoch or stamp > self.synced:
                return False
        if tags is None:
            return self.newest <= stamp
        latest = self.latest
        if latest.get(EVERYTHING, 0) > stamp:
            return False
        return all(latest.get(tag, 0) <= stamp for tag in tags)


versions = Versions()
