from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction, Report
from shortscience.moderation.tests.helpers import ModerationTestCase, make_comment
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.test import make_paper, make_summary, make_user


class QueueTests(ModerationTestCase):
    url = "/moderation/queue"

    def test_a_moderator_sees_open_reports_grouped_by_target(self):
        services.report(reporter=self.charlie, target=self.summary, reason="spam", note="An advert")
        dana = make_user("dana")
        services.report(reporter=dana, target=self.summary, reason="plagiarism")
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertContains(r, f'id="queue-summary-{self.summary.pk}"', count=1)
        self.assertContains(r, "An advert")
        self.assertContains(r, "Plagiarism")
        self.assertContains(r, 'value="hide"')

    def test_the_queue_reads_a_fixed_number_of_queries(self):
        def fill(n):
            for i in range(n):
                writer = make_user(f"w{n}-{i}")
                summary = make_summary(make_paper(), writer)
                comment = make_comment(summary, writer)
                services.report(reporter=self.charlie, target=summary, reason="spam")
                services.report(reporter=self.charlie, target=comment, reason="spam")
                services.report(reporter=self.charlie, target=writer, reason="spam")

        self.client.force_login(self.bob)
        fill(1)
        # Session, user, moderator check, the reports with their targets, plus what base.html
        # reads for every member page (measured, as other apps add to it).
        with CaptureQueriesContext(connection) as one:
            self.client.get(self.url)
        fill(4)
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get(self.url)
        self.assertEqual(len(r.context["groups"]), 15)

    def test_other_members_get_a_404(self):
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_moderators_get_a_nav_link_and_others_do_not(self):
        self.client.force_login(self.bob)
        self.assertContains(self.client.get("/"), 'href="/moderation/queue"')
        self.client.force_login(self.charlie)
        self.assertNotContains(self.client.get("/"), 'href="/moderation/queue"')


class ActTests(ModerationTestCase):
    def setUp(self):
        super().setUp()
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        self.url = f"/moderation/act/summary/{self.summary.pk}"

    def test_a_moderator_hides_with_a_plain_post(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"action": "hide", "reason": "Advertising."})
        self.assertRedirects(r, "/moderation/queue", fetch_redirect_response=False)
        self.assertTrue(Summary.objects.get(pk=self.summary.pk).is_hidden)
        self.assertEqual(Report.objects.get().status, "resolved")

    def test_a_moderator_hides_with_json(self):
        self.client.force_login(self.bob)
        r = self.json_post(self.url, {"action": "hide", "reason": "Advertising."})
        self.assertEqual(r.json()["action"], "hide")
        self.assertTrue(Summary.objects.get(pk=self.summary.pk).is_hidden)

    def test_a_missing_reason_changes_nothing(self):
        self.client.force_login(self.bob)
        r = self.json_post(self.url, {"action": "hide", "reason": ""})
        self.assertEqual(r.status_code, 400)
        self.assertIn("reason", r.json()["error"])
        r = self.client.post(self.url, {"action": "hide"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(Summary.objects.get(pk=self.summary.pk).is_hidden)
        self.assertFalse(ModerationAction.objects.exists())

    def test_an_action_that_does_not_fit_the_target_is_refused(self):
        self.client.force_login(self.bob)
        self.assertEqual(
            self.json_post(self.url, {"action": "ban", "reason": "x"}).status_code, 400
        )

    def test_the_owner_and_strangers_cannot_act(self):
        for user in (self.alice, self.charlie):
            self.client.force_login(user)
            self.assertEqual(
                self.client.post(self.url, {"action": "hide", "reason": "x"}).status_code, 404
            )
        self.assertFalse(Summary.objects.get(pk=self.summary.pk).is_hidden)

    def test_an_anonymous_visitor_cannot_act(self):
        r = self.client.post(self.url, {"action": "delete", "reason": "x"})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Summary.objects.filter(pk=self.summary.pk).exists())

    def test_a_moderator_bans_and_unbans_a_member(self):
        self.client.force_login(self.bob)
        url = f"/moderation/act/user/{self.charlie.pk}"
        self.json_post(url, {"action": "ban", "reason": "Spam."})
        self.charlie.refresh_from_db()
        self.assertTrue(self.charlie.is_banned)
        self.json_post(url, {"action": "unban", "reason": "Appeal."})
        self.charlie.refresh_from_db()
        self.assertFalse(self.charlie.is_banned)

    def test_a_moderator_deletes_a_comment(self):
        comment = make_comment(self.summary, self.charlie)
        self.client.force_login(self.bob)
        self.client.post(
            f"/moderation/act/comment/{comment.pk}", {"action": "delete", "reason": "Spam."}
        )
        comment.refresh_from_db()
        self.assertTrue(comment.is_deleted)

    def test_a_moderator_dismisses_reports(self):
        self.client.force_login(self.bob)
        self.client.post(self.url, {"action": "dismiss", "reason": "Fine as it is."})
        self.assertEqual(Report.objects.get().status, "dismissed")
        self.assertFalse(Summary.objects.get(pk=self.summary.pk).is_hidden)


class MergeViewTests(ModerationTestCase):
    def test_a_moderator_merges_two_papers(self):
        duplicate = make_paper("Duplicate")
        self.client.force_login(self.bob)
        r = self.client.post(
            "/moderation/merge", {"kept": self.paper.pk, "merged": duplicate.pk, "reason": "Same."}
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Paper.objects.get(pk=duplicate.pk).merged_into_id, self.paper.pk)

    def test_bad_numbers_change_nothing(self):
        self.client.force_login(self.bob)
        r = self.json_post("/moderation/merge", {"kept": "x", "merged": "9999", "reason": "Same."})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(ModerationAction.objects.exists())

    def test_others_cannot_merge(self):
        duplicate = make_paper("Duplicate")
        self.client.force_login(self.charlie)
        r = self.client.post(
            "/moderation/merge", {"kept": self.paper.pk, "merged": duplicate.pk, "reason": "Same."}
        )
        self.assertEqual(r.status_code, 404)
        self.assertIsNone(Paper.objects.get(pk=duplicate.pk).merged_into_id)
