"""Who hears about a new comment, and what their email says."""

from __future__ import annotations

from shortscience.notifications.models import Follow, Notification, OutboxEmail
from shortscience.notifications.tests.helpers import NotificationTestCase, make_comment
from shortscience.summaries.models import Summary
from shortscience.test import make_paper, make_user, run_tasks

Kind = Notification.Kind


class CommentPostedTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is Enough")
        self.summary = self.save_summary(self.paper, self.alice)

    def post(self, user, parent=None, **later):
        comment = make_comment(self.summary, user, parent=parent, **later)
        run_tasks()
        return comment

    def kinds(self):
        return {(n.recipient.username, n.kind) for n in Notification.objects.all()}

    def test_it_tells_the_summary_author_about_a_comment(self):
        comment = self.post(self.bob)
        note = Notification.objects.get()
        self.assertEqual((note.recipient, note.kind), (self.alice, Kind.COMMENT_ON_SUMMARY))
        self.assertEqual(
            (note.comment, note.summary, note.paper), (comment, self.summary, self.paper)
        )
        self.assertIn("Bob Berners commented on your summary", note.message())

    def test_it_tells_the_parent_comment_author_about_a_reply(self):
        top = self.post(self.bob)
        Notification.objects.all().delete()
        self.post(self.charlie, parent=top)
        self.assertEqual(
            self.kinds(),
            {("alice", Kind.COMMENT_ON_SUMMARY), ("bob", Kind.REPLY_TO_COMMENT)},
        )

    def test_it_tells_followers_of_the_summary_and_of_the_thread(self):
        dora = make_user("dora")
        Follow.objects.create(user=dora, summary=self.summary)
        top = self.post(self.bob)  # bob now follows his thread
        Notification.objects.all().delete()
        answer = self.post(self.alice, parent=top)
        self.assertEqual(
            self.kinds(),
            {("bob", Kind.REPLY_TO_COMMENT), ("dora", Kind.COMMENT_IN_FOLLOWED)},
        )
        Notification.objects.all().delete()
        self.post(self.charlie, parent=answer)
        self.assertEqual(
            self.kinds(),
            {
                # alice wrote both the summary and the parent: the first reason wins.
                ("alice", Kind.COMMENT_ON_SUMMARY),
                ("bob", Kind.COMMENT_IN_FOLLOWED),
                ("dora", Kind.COMMENT_IN_FOLLOWED),
            },
        )

    def test_a_reply_deep_in_a_thread_reaches_the_followers_of_its_root(self):
        top = self.post(self.bob)
        middle = self.post(self.charlie, parent=top)
        Notification.objects.all().delete()
        self.post(self.alice, parent=middle)
        self.assertEqual(
            self.kinds(),
            {("charlie", Kind.REPLY_TO_COMMENT), ("bob", Kind.COMMENT_IN_FOLLOWED)},
        )

    def test_commenting_follows_the_thread_once(self):
        top = self.post(self.bob)
        self.post(self.bob, parent=top)
        self.assertEqual(
            list(Follow.objects.filter(user=self.bob).values_list("comment", flat=True)), [top.pk]
        )

    def test_nobody_is_told_about_their_own_comment(self):
        top = self.post(self.alice)
        self.post(self.alice, parent=top)
        self.assertFalse(Notification.objects.exists())

    def test_hidden_and_deleted_comments_tell_nobody(self):
        self.post(self.bob, is_hidden=True)
        self.post(self.bob, is_deleted=True)
        self.assertFalse(Notification.objects.exists())

    def test_a_summary_made_private_before_the_worker_came_tells_only_its_author(self):
        Follow.objects.create(user=self.charlie, summary=self.summary)
        top = self.post(self.charlie)
        Notification.objects.all().delete()
        make_comment(self.summary, self.bob, parent=top)
        self.save_summary(self.paper, self.alice, visibility="private")  # runs bob's task
        self.assertEqual(self.kinds(), {("alice", Kind.COMMENT_ON_SUMMARY)})

    def test_a_summary_hidden_before_the_worker_came_tells_only_its_author(self):
        Follow.objects.create(user=self.charlie, summary=self.summary)
        make_comment(self.summary, self.bob)
        Summary.objects.filter(pk=self.summary.pk).update(is_hidden=True)
        run_tasks()
        self.assertEqual(self.kinds(), {("alice", Kind.COMMENT_ON_SUMMARY)})

    def test_an_opted_out_kind_creates_nothing(self):
        self.set_mode(self.alice, "immediate", comment_on_summary=False)
        self.post(self.bob)
        self.assertFalse(Notification.objects.exists())
        self.assertFalse(OutboxEmail.objects.exists())

    def test_inactive_members_are_not_told(self):
        self.alice.is_active = False
        self.alice.save()
        self.post(self.bob)
        self.assertFalse(Notification.objects.exists())


class CommentEmailTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is Enough")

    def test_immediate_mode_queues_an_email_with_the_notification(self):
        summary = self.save_summary(self.paper, self.alice)
        self.set_mode(self.alice, "immediate")
        make_comment(summary, self.bob, "Nice derivation of $x$.")
        run_tasks()
        email = OutboxEmail.objects.get()
        self.assertEqual(email.to, "alice@example.org")
        self.assertIn("Bob Berners commented on your summary", email.subject)
        self.assertIn("Nice derivation", email.body_text)
        self.assertIn(f"/summary/{summary.pk}#comment-", email.body_text)
        self.assertIn("/unsubscribe/", email.body_text)
        self.assertIn("/unsubscribe/", email.body_html)
        self.assertTrue(email.headers["List-Unsubscribe"].startswith("<http"))
        self.assertEqual(email.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertIsNotNone(Notification.objects.get().emailed_at)

    def test_daily_mode_is_the_default_and_queues_no_email_at_once(self):
        summary = self.save_summary(self.paper, self.alice)
        make_comment(summary, self.bob)
        run_tasks()
        self.assertTrue(Notification.objects.exists())
        self.assertFalse(OutboxEmail.objects.exists())

    def test_off_mode_keeps_the_inbox_and_sends_no_email(self):
        summary = self.save_summary(self.paper, self.alice)
        self.set_mode(self.alice, "off")
        make_comment(summary, self.bob)
        run_tasks()
        self.assertTrue(Notification.objects.exists())
        self.assertFalse(OutboxEmail.objects.exists())

    def test_an_anonymous_author_commenting_is_anonymous_in_others_emails(self):
        summary = self.save_summary(self.paper, self.alice, is_anonymous=True)
        top = make_comment(summary, self.bob)
        run_tasks()
        self.set_mode(self.bob, "immediate")
        self.set_mode(self.charlie, "immediate")
        Follow.objects.create(user=self.charlie, summary=summary)
        make_comment(summary, self.alice, "Thanks!", parent=top)
        run_tasks()
        emails = list(OutboxEmail.objects.order_by("to"))
        self.assertEqual([e.to for e in emails], ["bob@example.org", "charlie@example.org"])
        for email in emails:
            for text in (email.subject, email.body_text, email.body_html):
                self.assertIn("Anonymous", text)
                self.assertNotIn("Alice", text)
                self.assertNotIn("alice", text.lower())

    def test_the_anonymous_author_is_still_told_about_comments(self):
        summary = self.save_summary(self.paper, self.alice, is_anonymous=True)
        self.set_mode(self.alice, "immediate")
        make_comment(summary, self.bob)
        run_tasks()
        self.assertEqual(OutboxEmail.objects.get().to, "alice@example.org")


class PostCommentIntegrationTests(NotificationTestCase):
    """Through the community app's own service: the request queues a task, the worker tells."""

    def test_posting_a_comment_notifies_when_the_worker_runs_its_task(self):
        from shortscience.community.services import post_comment

        summary = self.save_summary(make_paper("Integration Paper"), self.alice)
        self.set_mode(self.alice, "immediate")
        comment = post_comment(self.bob, summary, "Great summary of $x$.")
        self.assertFalse(Notification.objects.exists())  # not in the request
        self.assertEqual(run_tasks(), {"done": 1, "retry": 0, "failed": 0})
        note = Notification.objects.get()
        self.assertEqual((note.recipient, note.comment), (self.alice, comment))
        self.assertEqual(OutboxEmail.objects.get().to, "alice@example.org")
        self.assertTrue(Follow.objects.filter(user=self.bob, comment=comment).exists())
