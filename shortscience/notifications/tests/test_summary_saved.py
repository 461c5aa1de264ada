"""Who hears about a new public summary: the paper's followers and its claimed authors."""

from __future__ import annotations

import threading
import unittest
from datetime import timedelta
from unittest import mock

from django.db import connection, transaction
from django.test import TransactionTestCase
from django.utils import timezone

from shortscience.accounts.models import AuthorClaim
from shortscience.notifications import fanout
from shortscience.notifications.models import Follow, Notification, OutboxEmail
from shortscience.notifications.services import follow
from shortscience.notifications.tests.helpers import NotificationTestCase
from shortscience.test import make_paper, make_summary, make_user, run_tasks
from shortscience.web import tasks
from shortscience.web.models import Task

Kind = Notification.Kind


class SummarySavedTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning")
        Follow.objects.create(user=self.bob, paper=self.paper)
        self.author = make_user("kaiming", display_name="Kaiming He")
        AuthorClaim.objects.create(user=self.author, paper=self.paper, status="approved")

    def kinds(self):
        return {(n.recipient.username, n.kind) for n in Notification.objects.all()}

    def test_a_new_public_summary_reaches_followers_and_claimed_authors(self):
        summary = self.save_summary(self.paper, self.alice)
        self.assertEqual(
            self.kinds(),
            {("bob", Kind.SUMMARY_ON_FOLLOWED_PAPER), ("kaiming", Kind.SUMMARY_OF_CLAIMED_PAPER)},
        )
        note = Notification.objects.get(recipient=self.bob)
        self.assertEqual((note.summary, note.paper, note.comment), (summary, self.paper, None))
        self.assertIn("Alice Aumann summarized", note.message())

    def test_pending_and_rejected_claims_are_not_told(self):
        AuthorClaim.objects.filter(user=self.author).update(status="pending")
        rejected = make_user("rejected")
        AuthorClaim.objects.create(user=rejected, paper=self.paper, status="rejected")
        self.save_summary(self.paper, self.alice)
        self.assertEqual(self.kinds(), {("bob", Kind.SUMMARY_ON_FOLLOWED_PAPER)})

    def test_a_claimed_author_who_follows_hears_once_as_the_author(self):
        Follow.objects.create(user=self.author, paper=self.paper)
        self.save_summary(self.paper, self.alice)
        self.assertEqual(
            Notification.objects.filter(recipient=self.author).get().kind,
            Kind.SUMMARY_OF_CLAIMED_PAPER,
        )

    def test_writing_a_summary_follows_it(self):
        summary = self.save_summary(self.paper, self.alice, visibility="private")
        self.assertTrue(Follow.objects.filter(user=self.alice, summary=summary).exists())

    def test_a_private_summary_tells_nobody_until_it_is_made_public(self):
        self.save_summary(self.paper, self.alice, visibility="private")
        self.assertFalse(Notification.objects.exists())
        self.save_summary(self.paper, self.alice, "Now public.")
        self.assertEqual(len(self.kinds()), 2)

    def test_editing_a_public_summary_tells_nobody_again(self):
        self.save_summary(self.paper, self.alice)
        self.save_summary(self.paper, self.alice, "Second version.")
        self.assertEqual(Notification.objects.count(), 2)

    def test_going_private_and_public_again_tells_nobody_twice(self):
        self.save_summary(self.paper, self.alice)
        self.save_summary(self.paper, self.alice, visibility="private")
        self.save_summary(self.paper, self.alice, "Back.")
        self.assertEqual(Notification.objects.count(), 2)

    def test_the_writer_is_not_told_about_their_own_summary(self):
        self.save_summary(self.paper, self.bob)
        self.assertFalse(Notification.objects.filter(recipient=self.bob).exists())

    def test_an_opted_out_follower_is_not_told(self):
        self.set_mode(self.bob, "immediate", summary_on_followed_paper=False)
        self.save_summary(self.paper, self.alice)
        self.assertEqual(self.kinds(), {("kaiming", Kind.SUMMARY_OF_CLAIMED_PAPER)})
        self.assertFalse(OutboxEmail.objects.exists())

    def test_an_anonymous_summary_is_signed_anonymous_in_the_email(self):
        self.set_mode(self.bob, "immediate")
        self.save_summary(self.paper, self.alice, "Okapi insight.", is_anonymous=True)
        email = OutboxEmail.objects.get()
        self.assertEqual(email.to, "bob@example.org")
        for text in (email.subject, email.body_text, email.body_html):
            self.assertIn("Anonymous summarized", text)
            self.assertNotIn("alice", text.lower())
        self.assertIn("Okapi insight", email.body_text)

    def test_nobody_is_told_in_the_request_only_by_the_worker(self):
        make_summary(self.paper, self.alice)
        self.assertFalse(Notification.objects.exists())
        run_tasks()
        self.assertEqual(Notification.objects.count(), 2)

    def test_a_save_that_rolls_back_leaves_nothing_to_tell(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            make_summary(self.paper, self.alice)
            raise RuntimeError("the request failed after the save")
        self.assertFalse(Task.objects.exists())
        run_tasks()
        self.assertFalse(Notification.objects.exists())

    def test_a_paper_with_more_followers_than_a_batch_tells_each_once(self):
        followers = [make_user(f"reader{i}") for i in range(7)]
        Follow.objects.bulk_create([Follow(user=u, paper=self.paper) for u in followers])
        with mock.patch.object(fanout, "BATCH", 3):
            make_summary(self.paper, self.alice)
            self.assertEqual(run_tasks()["done"], 3)  # 8 followers in batches of 3
        told = Notification.objects.filter(kind=Kind.SUMMARY_ON_FOLLOWED_PAPER)
        self.assertEqual(
            sorted(told.values_list("recipient__username", flat=True)),
            sorted(["bob", *(u.username for u in followers)]),
        )
        self.assertEqual(Notification.objects.filter(recipient=self.author).count(), 1)

    def test_a_worker_stopped_in_a_batch_leaves_the_batch_to_be_told_once(self):
        make_summary(self.paper, self.alice)
        with mock.patch.object(fanout, "deliver", side_effect=OSError("the worker died")):
            self.assertEqual(run_tasks()["retry"], 1)
        self.assertFalse(Notification.objects.exists())
        run_tasks(now=timezone.now() + timedelta(minutes=1))
        run_tasks(now=timezone.now() + timedelta(minutes=1))  # nothing left to run twice
        self.assertEqual(Notification.objects.count(), 2)


@unittest.skipUnless(connection.vendor == "postgresql", "several workers need PostgreSQL")
class TwoWorkersTests(TransactionTestCase):
    """Two workers (SKIP LOCKED hands them different tasks) on the two tasks of a summary
    published, made private and published again before either came round."""

    def test_two_workers_on_one_summarys_tasks_tell_each_follower_once(self):
        alice, bob = make_user("alice"), make_user("bob")
        paper = make_paper("Deep Residual Learning")
        follow(bob, paper)
        summary = make_summary(paper, alice, "Residuals.", visibility="private")
        Task.objects.all().delete()  # its creation: not under test
        for visibility in ("public", "private", "public"):
            make_summary(paper, alice, "Residuals.", visibility=visibility)
        Task.objects.filter(args__became_public=False).delete()
        self.assertEqual(Task.objects.count(), 2)

        # The first worker stops inside its transaction, once it has chosen whom to tell.
        inside, go_on = threading.Event(), threading.Event()
        real_deliver = fanout.deliver

        def deliver(*args, **kwargs):
            if not inside.is_set():
                inside.set()
                go_on.wait(10)
            return real_deliver(*args, **kwargs)

        def worker():
            try:
                tasks.run_due(limit=1)
            finally:
                connection.close()

        with mock.patch.object(fanout, "deliver", deliver):
            first = threading.Thread(target=worker)
            first.start()
            self.assertTrue(inside.wait(10))
            second = threading.Thread(target=worker)
            second.start()
            second.join(1)  # it waits for the first's lock on the summary (or has told bob)
            go_on.set()
            first.join(10)
            second.join(10)

        self.assertEqual(Task.objects.count(), 0)
        self.assertEqual(Notification.objects.filter(recipient=bob, summary=summary).count(), 1)
