from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.notifications.models import Notification
from shortscience.notifications.tests.helpers import NotificationTestCase, make_comment
from shortscience.test import make_paper, run_tasks


class InboxTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Inbox Paper")
        self.summary = self.save_summary(self.paper, self.alice)

    def comment(self, user=None, **kwargs):
        comment = make_comment(self.summary, user or self.bob, **kwargs)
        run_tasks()
        return comment

    def test_it_lists_the_members_notifications_and_marks_them_read(self):
        self.comment()
        self.client.force_login(self.alice)
        r = self.client.get("/inbox")
        self.assertContains(r, "Bob Berners commented on your summary")
        self.assertContains(r, 'class="notification unread"')
        self.assertIsNotNone(Notification.objects.get().read_at)
        r = self.client.get("/inbox")
        self.assertNotContains(r, 'class="notification unread"')

    def test_it_shows_nobody_elses_notifications(self):
        self.comment()
        self.client.force_login(self.charlie)
        r = self.client.get("/inbox")
        self.assertNotContains(r, "commented on your summary")
        self.assertIsNone(Notification.objects.get().read_at)

    def test_a_visitor_is_sent_to_log_in(self):
        r = self.client.get("/inbox")
        self.assertRedirects(r, "/accounts/login/?next=/inbox", fetch_redirect_response=False)

    def test_the_header_shows_the_unread_count(self):
        self.comment()
        self.comment()
        self.client.force_login(self.alice)
        self.assertContains(
            self.client.get("/"), '<span class="unread-count">(2)</span>', html=False
        )
        self.client.force_login(self.charlie)
        r = self.client.get("/")
        self.assertContains(r, 'class="inbox-link"')
        self.assertNotContains(r, "unread-count")

    def test_a_visitor_sees_no_inbox_link(self):
        self.assertNotContains(self.client.get("/"), "inbox-link")

    def test_notifications_about_content_hidden_since_disappear(self):
        comment = self.comment()
        self.comment(self.charlie)
        comment.is_hidden = True
        comment.save()
        self.client.force_login(self.alice)
        r = self.client.get("/inbox")
        self.assertNotContains(r, "Bob Berners")
        self.assertContains(r, "charlie commented")

    def test_an_anonymous_summary_is_signed_anonymous_in_a_followers_inbox(self):
        from shortscience.notifications.models import Follow

        paper = make_paper("Anonymous Inbox Paper")
        Follow.objects.create(user=self.charlie, paper=paper)
        self.save_summary(paper, self.bob, is_anonymous=True)
        self.client.force_login(self.charlie)
        r = self.client.get("/inbox")
        self.assertContains(r, "Anonymous summarized")
        self.assertNotContains(r, "Bob Berners")

    def test_it_runs_the_same_number_of_queries_for_one_or_many_notifications(self):
        self.comment()
        self.client.force_login(self.alice)
        with CaptureQueriesContext(connection) as one:
            self.client.get("/inbox")
        for _ in range(5):
            self.comment(self.charlie)
            self.comment(self.bob)
        with CaptureQueriesContext(connection) as many:
            self.client.get("/inbox")
        self.assertEqual(len(one), len(many))


class MarkAllReadTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.summary = self.save_summary(make_paper("Read Paper"), self.alice)
        make_comment(self.summary, self.bob)
        run_tasks()
        make_comment(self.summary, self.charlie)
        run_tasks()

    def unread(self, user):
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    def test_a_plain_post_marks_all_read_and_redirects(self):
        self.client.force_login(self.alice)
        r = self.client.post("/inbox/read")
        self.assertRedirects(r, "/inbox", fetch_redirect_response=False)
        self.assertEqual(self.unread(self.alice), 0)

    def test_a_json_post_answers_json(self):
        self.client.force_login(self.alice)
        r = self.client.post("/inbox/read", headers={"accept": "application/json"})
        self.assertEqual(r.json(), {"unread": 0})
        self.assertEqual(self.unread(self.alice), 0)

    def test_another_member_marks_only_their_own(self):
        self.client.force_login(self.charlie)
        self.client.post("/inbox/read")
        self.assertEqual(self.unread(self.alice), 2)

    def test_a_visitor_is_refused(self):
        r = self.client.post("/inbox/read")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        r = self.client.post("/inbox/read", headers={"accept": "application/json"})
        self.assertEqual(r.status_code, 401)
        self.assertEqual(self.unread(self.alice), 2)

    def test_get_is_not_allowed(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get("/inbox/read").status_code, 405)
        self.assertEqual(self.unread(self.alice), 2)
