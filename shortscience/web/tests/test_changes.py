"""What a write says it changed: collected per transaction, applied once on commit, read by
every process once a second (web/changes.py)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from shortscience.web import changes
from shortscience.web.changes import Versions, versions
from shortscience.web.models import ContentChange, ContentClock


@override_settings(PAGE_CACHE_SECONDS=600, PAGE_CACHE_VERSION_SECONDS=1.0)
class ChangesTestCase(TestCase):
    def setUp(self):
        versions.reset()
        self.addCleanup(versions.reset)

    def logged(self) -> list[tuple[int, str]]:
        return list(ContentChange.objects.order_by("seq", "tag").values_list("seq", "tag"))


class SayingWhatChangedTests(ChangesTestCase):
    def test_a_transaction_applies_its_changes_once_on_commit_without_duplicates(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            changes.changed(papers=[1, 2], lists=[changes.SUMMARIES])
            changes.changed(papers=[2], members=[7])
            self.assertEqual(self.logged(), [])  # nothing before the commit
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(
            self.logged(),
            [(1, "list:summaries"), (1, "member:7"), (1, "paper:1"), (1, "paper:2")],
        )

    def test_a_transaction_that_rolls_back_says_nothing(self):
        with self.captureOnCommitCallbacks(execute=True):
            with self.assertRaises(RuntimeError), transaction.atomic():
                changes.changed(papers=[1])
                raise RuntimeError
        self.assertEqual(self.logged(), [])

    def test_what_a_rolled_back_savepoint_said_goes_and_the_rest_stays(self):
        with self.captureOnCommitCallbacks(execute=True):
            with self.assertRaises(RuntimeError), transaction.atomic():
                changes.changed(papers=[1])
                raise RuntimeError
            changes.changed(papers=[2])
        self.assertEqual(self.logged(), [(1, "paper:2")])

    def test_each_committed_transaction_gets_the_next_number(self):
        for pk in (1, 2):
            with self.captureOnCommitCallbacks(execute=True):
                changes.changed(papers=[pk])
        self.assertEqual(self.logged(), [(1, "paper:1"), (2, "paper:2")])
        self.assertEqual(ContentClock.objects.get().seq, 2)

    def test_a_batch_of_too_many_tags_says_everything(self):
        with self.captureOnCommitCallbacks(execute=True):
            changes.changed(papers=range(changes.MAX_TAGS + 1))
        self.assertEqual(self.logged(), [(1, "everything")])

    def test_an_unknown_list_is_refused(self):
        with self.assertRaises(ValueError):
            changes.changed(lists=["venues"])

    @override_settings(PAGE_CACHE_SECONDS=0)
    def test_nothing_is_written_when_the_page_cache_is_off(self):
        with self.captureOnCommitCallbacks(execute=True):
            changes.changed(papers=[1])
        self.assertEqual(self.logged(), [])

    def test_a_change_that_cannot_be_written_drops_this_processs_pages(self):
        versions.sync()
        epoch, stamp = versions.stamp()
        self.assertTrue(versions.fresh(epoch, stamp, ("paper:1",)))
        with mock.patch.object(changes, "_tick", side_effect=OSError("the database went away")):
            with self.assertLogs("shortscience.web.changes", "ERROR"):
                with self.captureOnCommitCallbacks(execute=True):
                    changes.changed(papers=[2])
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:1",)))


class KnowingWhatChangedTests(ChangesTestCase):
    """Versions: this process's knowledge, from its own writes at once and from everyone's
    once a second."""

    def write(self, **what):
        with self.captureOnCommitCallbacks(execute=True):
            changes.changed(**what)

    def test_a_page_is_stale_when_something_it_shows_changed_after_its_stamp(self):
        epoch, stamp = versions.stamp()
        self.write(papers=[1])
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:1", "member:3")))
        self.assertTrue(versions.fresh(epoch, stamp, ("paper:2", "member:3")))
        self.assertTrue(versions.fresh(*versions.stamp(), ("paper:1",)))

    def test_a_page_that_said_nothing_is_stale_after_any_change(self):
        epoch, stamp = versions.stamp()
        self.write(members=[3])
        self.assertFalse(versions.fresh(epoch, stamp, None))
        self.assertTrue(versions.fresh(epoch, stamp, ("paper:2",)))

    def test_everything_makes_every_page_stale(self):
        epoch, stamp = versions.stamp()
        with self.captureOnCommitCallbacks(execute=True):
            changes.everything()
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:2",)))
        self.assertFalse(versions.fresh(epoch, stamp, ()))

    def test_another_processs_changes_are_read_at_the_next_sync(self):
        other = Versions()  # another app server
        epoch, stamp = other.stamp()
        self.write(papers=[1])
        self.assertTrue(other.fresh(epoch, stamp, ("paper:1",)))  # not read yet
        other.sync()
        self.assertFalse(other.fresh(epoch, stamp, ("paper:1",)))
        self.assertTrue(other.fresh(epoch, stamp, ("paper:2",)))

    def test_the_changes_are_read_at_most_once_per_interval(self):
        clock = [1000.0]
        with mock.patch("shortscience.web.changes.time.monotonic", lambda: clock[0]):
            other = Versions()
            with self.assertNumQueries(1):
                other.stamp()
            with self.assertNumQueries(0):
                other.stamp()
            clock[0] += 1.01
            with self.assertNumQueries(1):
                other.stamp()

    def test_a_page_stamped_in_another_epoch_is_stale(self):
        epoch, stamp = versions.stamp()
        ContentClock.objects.update(epoch="restored")
        versions.sync()
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:1",)))
        self.assertTrue(versions.fresh(*versions.stamp(), ("paper:1",)))

    def test_the_log_is_pruned_of_changes_older_than_any_kept_page(self):
        self.write(papers=[1])
        epoch, stamp = versions.stamp()
        ContentChange.objects.update(created=timezone.now() - timedelta(seconds=661))
        with mock.patch.object(changes, "PRUNE_EVERY", 1):
            self.write(papers=[2])
        self.assertEqual(self.logged(), [(2, "paper:2")])
        self.assertEqual(ContentClock.objects.get().pruned, 1)
        other = Versions()
        other.sync()
        self.assertFalse(other.fresh(epoch, 0, ("paper:3",)))  # from before the pruned log
        self.assertTrue(other.fresh(epoch, stamp, ("paper:3",)))
