from __future__ import annotations

from shortscience.summaries.models import Revision, Summary
from shortscience.test import BaseTestCase, make_paper, make_summary


class SummaryEditorTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning for Image Recognition")
        self.url = f"/paper/{self.paper.pk}/summary/edit"

    def post(self, body="Residuals: $y = F(x) + x$.", **extra):
        data = {"body": body, "visibility": "public", "publish": "1"}
        data.update(extra)
        return self.client.post(self.url, data)

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.get(self.url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        r = self.post()
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Summary.objects.exists())

    def test_the_editor_and_every_page_say_under_which_licence_summaries_are_shared(self):
        self.client.force_login(self.alice)
        editor = self.client.get(self.url).content.decode()
        self.assertIn('id="license-help"', editor)
        licence = 'rel="license" href="https://creativecommons.org/licenses/by/4.0/"'
        self.assertIn(licence, editor)
        self.client.logout()
        self.assertIn(licence, self.client.get(self.paper.get_absolute_url()).content.decode())

    def test_a_member_publishes_a_summary_with_math(self):
        self.client.force_login(self.alice)
        r = self.post()
        summary = Summary.objects.get()
        self.assertRedirects(r, summary.get_absolute_url())
        self.assertEqual(summary.user, self.alice)
        self.assertIn('class="katex"', summary.body_html)
        self.assertIn("<math", summary.body_html)
        self.assertEqual(summary.revisions.count(), 1)

    def test_every_save_appends_a_revision_and_keeps_the_old_text(self):
        self.client.force_login(self.alice)
        self.post("First draft.")
        self.post("Second draft.")
        self.post("Third draft.", visibility="private")
        summary = Summary.objects.get()
        self.assertEqual(summary.body, "Third draft.")
        self.assertEqual(
            list(summary.revisions.values_list("number", "body", "visibility")),
            [
                (1, "First draft.", "public"),
                (2, "Second draft.", "public"),
                (3, "Third draft.", "private"),
            ],
        )

    def test_a_save_that_changes_nothing_adds_no_revision(self):
        self.client.force_login(self.alice)
        self.post("Same.")
        self.post("Same.")
        self.assertEqual(Revision.objects.count(), 1)

    def test_another_member_writes_their_own_summary_and_cannot_touch_alices(self):
        alices = make_summary(self.paper, self.alice, "Alice's words.")
        self.client.force_login(self.bob)
        r = self.client.get(self.url)
        self.assertNotContains(r, "Alice&#x27;s words.")
        self.post("Bob's words.")
        alices.refresh_from_db()
        self.assertEqual(alices.body, "Alice's words.")
        self.assertEqual(Summary.objects.get(user=self.bob).body, "Bob's words.")
        self.assertEqual(Summary.objects.count(), 2)

    def test_the_owner_gets_the_editor_filled_with_their_text(self):
        make_summary(self.paper, self.alice, "Alice's words.")
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, "Alice&#x27;s words.")
        self.assertContains(r, "Edit your summary")

    def test_the_preview_button_renders_without_saving(self):
        self.client.force_login(self.alice)
        r = self.post("Preview $\\alpha$ please.", preview="1")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'class="katex"')
        self.assertFalse(Summary.objects.exists())

    def test_an_empty_or_oversized_body_is_refused_and_nothing_changes(self):
        self.client.force_login(self.alice)
        r = self.post("   ")
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "errorlist", status_code=400)
        with self.settings(SUMMARY_MAX_CHARS=1000):
            r = self.post("x" * 1001)
        self.assertContains(r, "at most 1,000 characters", status_code=400)
        self.assertFalse(Summary.objects.exists())

    def test_the_form_needs_a_csrf_token(self):
        self.client.force_login(self.alice)
        self.client.handler.enforce_csrf_checks = True
        r = self.post()
        self.assertEqual(r.status_code, 403)
        self.assertFalse(Summary.objects.exists())

    def test_anonymous_publishing_is_stored_and_shown_as_anonymous(self):
        self.client.force_login(self.alice)
        self.post("Hidden author.", is_anonymous="on")
        summary = Summary.objects.get()
        self.assertTrue(summary.is_anonymous)
        self.client.logout()
        r = self.client.get(summary.get_absolute_url())
        self.assertContains(r, "Anonymous")
        self.assertNotContains(r, "Alice")
