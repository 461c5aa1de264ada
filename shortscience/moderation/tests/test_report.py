from __future__ import annotations

from shortscience.moderation.models import Report
from shortscience.moderation.tests.helpers import ModerationTestCase, make_comment
from shortscience.test import make_paper, make_summary


class ReportSummaryTests(ModerationTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/moderation/report/summary/{self.summary.pk}"

    def test_a_member_sees_the_reasons(self):
        self.client.force_login(self.charlie)
        r = self.client.get(self.url)
        self.assertContains(r, 'value="off-topic"')
        self.assertContains(r, "Attention Is All You Need")
        self.assertContains(r, "csrfmiddlewaretoken")

    def test_a_member_reports_with_a_plain_post_and_is_sent_back(self):
        self.client.force_login(self.charlie)
        r = self.client.post(self.url, {"reason": "spam", "note": "An advert."})
        self.assertRedirects(r, self.summary.get_absolute_url(), fetch_redirect_response=False)
        report = Report.objects.get()
        self.assertEqual(
            (report.reporter, report.summary, report.reason), (self.charlie, self.summary, "spam")
        )

    def test_a_member_reports_with_json(self):
        self.client.force_login(self.charlie)
        r = self.json_post(self.url, {"reason": "incorrect"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["report"], Report.objects.get().pk)

    def test_a_second_open_report_is_refused_clearly(self):
        self.client.force_login(self.charlie)
        self.client.post(self.url, {"reason": "spam"})
        r = self.json_post(self.url, {"reason": "spam"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("already", r.json()["error"])
        r = self.client.post(self.url, {"reason": "spam"})
        self.assertContains(r, "already", status_code=400)
        self.assertEqual(Report.objects.count(), 1)

    def test_a_missing_reason_changes_nothing(self):
        self.client.force_login(self.charlie)
        r = self.client.post(self.url, {"note": "hm"})
        self.assertContains(r, "Choose a reason", status_code=400)
        self.assertFalse(Report.objects.exists())

    def test_the_owner_cannot_report_their_own_summary(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "you cannot report it")
        r = self.json_post(self.url, {"reason": "spam"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Report.objects.exists())

    def test_a_moderator_can_report_too(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.url, {"reason": "spam"}).status_code, 302)
        self.assertEqual(Report.objects.get().reporter, self.bob)

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.post(self.url, {"reason": "spam"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Report.objects.exists())

    def test_a_private_summary_of_someone_else_is_not_found(self):
        private = make_summary(make_paper(), self.alice, "secret", visibility="private")
        self.client.force_login(self.charlie)
        url = f"/moderation/report/summary/{private.pk}"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"reason": "spam"}).status_code, 404)

    def test_it_needs_a_csrf_token(self):
        self.client.handler.enforce_csrf_checks = True
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(self.url, {"reason": "spam"}).status_code, 403)

    def test_an_unknown_kind_is_not_found(self):
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(f"/moderation/report/paper/{self.paper.pk}").status_code, 404
        )

    def test_it_only_goes_back_to_this_site(self):
        self.client.force_login(self.charlie)
        r = self.client.post(self.url, {"reason": "spam", "next": "https://evil.example/"})
        self.assertEqual(r["Location"], self.summary.get_absolute_url())


class ReportCommentTests(ModerationTestCase):
    def setUp(self):
        super().setUp()
        self.comment = make_comment(self.summary, self.alice, "Rude words")
        self.url = f"/moderation/report/comment/{self.comment.pk}"

    def test_a_member_reports_a_comment_and_goes_back_to_it(self):
        self.client.force_login(self.charlie)
        r = self.client.post(self.url, {"reason": "abusive"})
        self.assertEqual(r["Location"], f"/summary/{self.summary.pk}#comment-{self.comment.pk}")
        self.assertEqual(Report.objects.get().comment, self.comment)

    def test_the_author_cannot_report_it(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.json_post(self.url, {"reason": "spam"}).status_code, 400)

    def test_a_hidden_comment_is_not_found_by_others(self):
        self.comment.is_hidden = True
        self.comment.save()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        self.assertEqual(self.client.post(self.url, {"reason": "spam"}).status_code, 302)
        self.assertFalse(Report.objects.exists())


class ReportUserTests(ModerationTestCase):
    def test_a_member_reports_another_member(self):
        self.client.force_login(self.charlie)
        r = self.json_post(f"/moderation/report/user/{self.alice.pk}", {"reason": "spam"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(Report.objects.get().reported_user, self.alice)

    def test_nobody_reports_themselves(self):
        self.client.force_login(self.alice)
        r = self.json_post(f"/moderation/report/user/{self.alice.pk}", {"reason": "spam"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Report.objects.exists())

    def test_an_unknown_member_is_not_found(self):
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get("/moderation/report/user/9999").status_code, 404)
