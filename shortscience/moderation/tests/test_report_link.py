from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory

from shortscience.moderation.tests.helpers import ModerationTestCase, make_comment


class ReportLinkTests(ModerationTestCase):
    def render(self, user, kind, target):
        request = RequestFactory().get("/here")
        request.user = user
        template = Template(
            '{% include "moderation/_report_link.html" with kind=kind target=target %}'
        )
        return template.render(
            Context({"user": user, "request": request, "kind": kind, "target": target})
        )

    def test_a_member_gets_a_report_link_for_others_summaries(self):
        html = self.render(self.charlie, "summary", self.summary)
        self.assertIn(f'href="/moderation/report/summary/{self.summary.pk}?next=/here"', html)

    def test_the_author_gets_no_report_link(self):
        self.assertNotIn("report", self.render(self.alice, "summary", self.summary))
        self.assertNotIn("report", self.render(self.alice, "user", self.alice))

    def test_an_anonymous_visitor_gets_a_log_in_link(self):
        from django.contrib.auth.models import AnonymousUser

        html = self.render(AnonymousUser(), "comment", make_comment(self.summary, self.alice))
        self.assertIn("/accounts/login/?next=%2Fmoderation%2Freport%2Fcomment%2F", html)

    def test_it_works_for_comments_and_members(self):
        comment = make_comment(self.summary, self.alice)
        self.assertIn(
            f"/moderation/report/comment/{comment.pk}",
            self.render(self.charlie, "comment", comment),
        )
        self.assertIn(
            f"/moderation/report/user/{self.alice.pk}",
            self.render(self.charlie, "user", self.alice),
        )

    def test_the_summary_page_shows_it(self):
        self.client.force_login(self.charlie)
        r = self.client.get(self.summary.get_absolute_url())
        self.assertContains(r, f"/moderation/report/summary/{self.summary.pk}")
