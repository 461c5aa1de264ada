"""What a write says it changed: collected per transaction, applied once on commit, read by
every process once a second (web/changes.py)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
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

    def test_a_sync_that_read_an_older_snapshot_than_another_thread_forgets_nothing(self):
        epoch, stamp = versions.stamp()
        self.write(papers=[1])
        real = changes.time.monotonic
        raced = []

        def another_thread_writes_and_syncs_first():
            # Called in sync() between its query and applying what it read.
            if not raced:
                raced.append(True)
                self.write(papers=[2])
            return real()

        with mock.patch.object(changes.time, "monotonic", another_thread_writes_and_syncs_first):
            versions.sync()
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:1",)))
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:2",)))

    def restore_to(self, seq: int) -> None:
        """What restoring a copy of the database taken at change `seq` does to the log: the
        clock goes back, with the epoch it always had."""
        ContentChange.objects.filter(seq__gt=seq).delete()
        ContentClock.objects.update(seq=seq)

    def test_a_clock_gone_back_gives_the_log_a_new_epoch_and_drops_every_kept_page(self):
        self.write(papers=[1])
        self.write(papers=[2])
        epoch, stamp = versions.stamp()
        self.restore_to(1)
        versions.sync()
        self.assertNotEqual(ContentClock.objects.get().epoch, epoch)
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:3",)))

    def test_a_page_stamped_beyond_the_log_is_dropped_by_a_process_started_after_a_restore(self):
        self.write(papers=[1])
        self.write(papers=[2])
        epoch, stamp = versions.stamp()  # a page kept in the shared cache, stamped 2
        self.restore_to(1)
        restarted = Versions()  # the site restarted on the restored database
        restarted.sync()
        self.assertFalse(restarted.fresh(epoch, stamp, ("paper:3",)))
        self.assertNotEqual(ContentClock.objects.get().epoch, epoch)
        self.assertTrue(restarted.fresh(*restarted.stamp(), ("paper:3",)))

    def test_refresh_pages_after_a_restore_drops_pages_the_restored_log_has_caught_up_with(self):
        # Once the restored log has numbered as many changes again, nothing in the numbers
        # tells a page from before the restore: the restore's last step is refresh_pages.
        self.write(papers=[1])
        self.write(papers=[2])
        epoch, stamp = versions.stamp()
        self.restore_to(1)
        other = Versions()
        other.sync()
        self.write(papers=[3])
        call_command("refresh_pages", stdout=StringIO())
        other.sync()
        self.assertFalse(other.fresh(epoch, stamp, ("paper:3",)))
        self.assertFalse(versions.fresh(epoch, stamp, ("paper:4",)))

    def test_a_page_stamped_by_a_process_that_read_the_log_later_is_checked_against_it(self):
        other = Versions()
        other.sync()
        self.write(papers=[1])
        epoch, stamp = versions.stamp()  # rendered here, after change 1
        with self.assertNumQueries(1):  # the other process reads on to the page's stamp
            self.assertTrue(other.fresh(epoch, stamp, ("paper:1",)))
        self.assertEqual(ContentClock.objects.get().epoch, epoch)

    def test_a_stale_page_may_be_served_until_a_second_after_the_change_it_lacks(self):
        clock = [1000.0]
        with mock.patch("shortscience.web.changes.time.monotonic", lambda: clock[0]):
            other = Versions()  # another app server, reading the log twice a second
            other.sync()
            epoch, stamp = other.stamp()
            clock[0] += 0.5
            other.sync()  # began at 1000.5; nothing new
            self.write(papers=[1])  # committed after that read began
            clock[0] += 0.5
            other.sync()  # 1001.0: brings the change
            self.assertFalse(other.fresh(epoch, stamp, ("paper:1",)))
            self.assertTrue(other.may_serve_stale(epoch, stamp, now=1001.4))
            self.assertFalse(other.may_serve_stale(epoch, stamp, now=1001.5))

    def test_a_page_stale_since_before_this_process_first_read_the_log_is_never_served(self):
        self.write(papers=[1])
        other = Versions()
        other.sync()
        self.assertFalse(other.may_serve_stale(other.epoch, 0))

    def test_a_stale_page_of_another_epoch_is_never_served(self):
        epoch, stamp = versions.stamp()
        self.write(papers=[1])
        self.assertTrue(versions.may_serve_stale(epoch, stamp))
        self.assertFalse(versions.may_serve_stale("another", stamp))
