from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from shortscience.community.models import Comment
from shortscience.notifications import services
from shortscience.notifications.models import Notification, NotificationSettings, OutboxEmail
from shortscience.notifications.tests.helpers import NotificationTestCase, make_comment
from shortscience.test import make_paper, run_tasks

FAILING = "shortscience.notifications.tests.test_send_emails.FailingBackend"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def run(*args) -> str:
    out = StringIO()
    call_command("send_emails", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class SendEmailsTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.summary = self.save_summary(make_paper("Mail Paper"), self.alice)
        self.set_mode(self.alice, "immediate")
        make_comment(self.summary, self.bob, "Hello $x$.")
        run_tasks()
        self.email = OutboxEmail.objects.get()

    def test_it_sends_due_emails_once_with_unsubscribe_headers(self):
        output = run()
        self.assertIn("sent 1, will retry 0, gave up 0, withdrawn 0", output)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertIn("commented on your summary", message.subject)
        self.assertRegex(message.extra_headers["List-Unsubscribe"], r"^<http.*/unsubscribe/.+>$")
        self.assertEqual(
            message.extra_headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
        )
        self.assertIn("/unsubscribe/", message.body)
        self.assertEqual(message.alternatives[0].mimetype, "text/html")
        self.email.refresh_from_db()
        self.assertIsNotNone(self.email.sent_at)
        self.assertEqual(self.email.attempts, 1)
        run()
        self.assertEqual(len(mail.outbox), 1)

    def test_an_email_not_yet_due_waits(self):
        OutboxEmail.objects.update(send_after=timezone.now() + timedelta(minutes=5))
        run()
        self.assertEqual(mail.outbox, [])

    @override_settings(EMAIL_BACKEND=FAILING, EMAIL_RETRY_BASE_SECONDS=60, EMAIL_MAX_ATTEMPTS=3)
    def test_a_failure_is_kept_and_retried_later_with_backoff(self):
        before = timezone.now()
        output = run()
        self.assertIn("sent 0, will retry 1, gave up 0", output)
        self.email.refresh_from_db()
        self.assertEqual(self.email.attempts, 1)
        self.assertIsNone(self.email.sent_at)
        self.assertIn("ConnectionRefusedError: SMTP server refused", self.email.last_error)
        self.assertGreaterEqual(self.email.send_after, before + timedelta(seconds=60))
        self.assertLess(self.email.send_after, before + timedelta(seconds=120))

        run()  # not due yet: nothing tried
        self.email.refresh_from_db()
        self.assertEqual(self.email.attempts, 1)

        OutboxEmail.objects.update(send_after=timezone.now())
        run()
        self.email.refresh_from_db()
        self.assertEqual(self.email.attempts, 2)
        self.assertGreaterEqual(self.email.send_after, timezone.now() + timedelta(seconds=170))

    @override_settings(EMAIL_BACKEND=FAILING, EMAIL_MAX_ATTEMPTS=2)
    def test_it_gives_up_after_the_last_attempt(self):
        run()
        OutboxEmail.objects.update(send_after=timezone.now())
        self.assertIn("gave up 1", run())
        self.email.refresh_from_db()
        self.assertIsNotNone(self.email.failed_at)
        self.assertEqual(self.email.attempts, 2)
        OutboxEmail.objects.update(send_after=timezone.now())
        self.assertEqual(OutboxEmail.objects.due().count(), 0)

    def test_a_retry_that_succeeds_clears_the_error(self):
        OutboxEmail.objects.update(attempts=1, last_error="timeout")
        run()
        self.email.refresh_from_db()
        self.assertEqual((self.email.attempts, self.email.last_error), (2, ""))
        self.assertIsNotNone(self.email.sent_at)

    def test_a_claimed_email_is_not_claimed_by_a_second_sender(self):
        first = services.claim_due(10)
        self.assertEqual([e.pk for e in first], [self.email.pk])
        self.assertEqual(services.claim_due(10), [])
        self.email.refresh_from_db()
        self.assertGreater(self.email.send_after, timezone.now())

    def test_loop_runs_rounds_until_interrupted(self):
        with mock.patch("time.sleep", side_effect=KeyboardInterrupt):
            output = run("--loop", "--interval", "1")
        self.assertIn("Queued 0 digests.", output)  # the loop's first round does the digest
        self.assertIn("Stopped.", output)
        self.assertEqual(len(mail.outbox), 1)

    def test_the_loop_goes_on_after_a_round_the_database_failed(self):
        real = services.send_due_emails
        failures = [OperationalError("server closed the connection unexpectedly")]

        def send_due_emails(**kwargs):
            if failures:
                raise failures.pop()
            return real(**kwargs)

        # (Closing the connection for real would end the test's transaction.)
        command = "shortscience.notifications.management.commands.send_emails"
        with (
            mock.patch.object(services, "send_due_emails", send_due_emails),
            mock.patch("time.sleep"),
            mock.patch(f"{command}.close_old_connections") as close_old_connections,
            self.assertLogs("shortscience.notifications", "ERROR"),
        ):
            run("--loop", "--interval", "2", "--rounds", "2")
        close_old_connections.assert_called_once_with()
        self.assertEqual(len(mail.outbox), 1)

    def test_loop_stops_after_the_rounds_asked_for(self):
        with mock.patch("time.sleep") as sleep:
            run("--loop", "--interval", "2", "--rounds", "2")
        sleep.assert_called_once_with(2.0)


class DigestTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.summary = self.save_summary(make_paper("Digest Paper"), self.alice)
        # alice has no settings row: the default mode is the daily digest.
        make_comment(self.summary, self.bob, "One.")
        run_tasks()
        make_comment(self.summary, self.charlie, "Two.")
        run_tasks()

    def test_digest_sends_one_email_with_every_pending_notification(self):
        self.assertIn("Queued 1 digest.", run("--digest"))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["alice@example.org"])
        self.assertIn("2 new notifications", message.subject)
        self.assertIn("Bob Berners commented", message.body)
        self.assertIn("charlie commented", message.body)
        self.assertIn("/unsubscribe/", message.body)
        self.assertIn("List-Unsubscribe", message.extra_headers)
        self.assertFalse(Notification.objects.filter(emailed_at__isnull=True).exists())
        self.assertIsNotNone(NotificationSettings.objects.get(user=self.alice).last_digest_at)

    def test_a_second_digest_waits_a_day(self):
        run("--digest")
        make_comment(self.summary, self.bob, "Three.")
        run_tasks()
        self.assertIn("Queued 0 digests.", run("--digest"))
        later = timezone.now() + timedelta(days=1)
        self.assertEqual(services.queue_digests(now=later), 1)

    def test_read_notifications_are_not_in_the_digest(self):
        Notification.objects.update(read_at=timezone.now())
        self.assertEqual(services.queue_digests(), 0)

    def test_hidden_content_is_left_out_of_the_digest(self):
        Comment.objects.filter(body="One.").update(is_hidden=True)
        services.queue_digests()
        body = OutboxEmail.objects.get().body_text
        self.assertNotIn("Bob Berners", body)
        self.assertIn("charlie commented", body)

    def test_immediate_and_off_modes_get_no_digest(self):
        for mode in ("immediate", "off"):
            with self.subTest(mode=mode):
                self.set_mode(self.alice, mode)
                self.assertEqual(services.queue_digests(), 0)

    def test_a_member_without_an_email_address_gets_no_digest(self):
        self.alice.email = ""
        self.alice.save()
        self.assertEqual(services.queue_digests(), 0)


class WithdrawnEmailTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.summary = self.save_summary(make_paper("Spam Paper"), self.alice)
        self.set_mode(self.alice, "immediate")
        self.comment = make_comment(self.summary, self.bob, "Buy cheap pills.")
        run_tasks()

    def test_an_email_about_a_comment_hidden_before_sending_is_withdrawn(self):
        Comment.objects.filter(pk=self.comment.pk).update(is_hidden=True)
        self.assertIn("withdrawn 1", run())
        self.assertEqual(mail.outbox, [])
        email = OutboxEmail.objects.get()
        self.assertIsNotNone(email.failed_at)
        self.assertIn("hidden or removed", email.last_error)

    def test_an_email_about_a_deleted_comment_is_gone_with_it(self):
        self.comment.delete()
        self.assertFalse(OutboxEmail.objects.exists())
        run()
        self.assertEqual(mail.outbox, [])

    def test_an_email_to_the_owner_of_a_summary_made_private_still_goes(self):
        # The owner may still read their own private summary and its comments.
        self.summary.visibility = "private"
        self.summary.save()
        run()
        self.assertEqual(len(mail.outbox), 1)
