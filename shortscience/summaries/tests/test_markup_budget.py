"""A summary that would take too long to typeset (settings.MARKUP_BUDGET_SECONDS,
lib/markup/budget.py) is refused with the reason wherever it comes in, and nothing is
saved; one stored before there was a budget is re-rendered as its plain text."""

from __future__ import annotations

import io

from django.core.management import call_command

from shortscience.papers.models import Paper
from shortscience.summaries.models import Revision, Summary
from shortscience.test import BaseTestCase, make_paper, make_summary

# 100 KB of "![": ~3.4 s of CPU to parse. With a budget of 10 ms it is refused whatever the
# machine, after 10 ms of work.
HOSTILE = "![" * 50_000
TINY_BUDGET = 0.01
REASON = "would take too long to typeset"


class RefusedSummaryTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning for Image Recognition")
        self.edit_url = f"/paper/{self.paper.pk}/summary/edit"
        self.client.force_login(self.alice)

    def post_edit(self, body: str, **extra):
        data = {"body": body, "visibility": "public", "publish": "1", **extra}
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            return self.client.post(self.edit_url, data)

    def test_the_live_preview_answers_400_with_the_reason(self):
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.client.post("/markup/preview", {"text": HOSTILE, "paper": self.paper.pk})
        self.assertEqual(r.status_code, 400)
        self.assertIn(REASON, r.content.decode())
        self.assertIn("split it or simplify it", r.content.decode())

    def test_the_same_preview_within_the_budget_is_rendered(self):
        r = self.client.post("/markup/preview", {"text": "![a](https://example.org/a.png) [b]"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("<img", r.content.decode())

    def test_the_editor_refuses_to_save_it_and_saves_nothing(self):
        r = self.post_edit(HOSTILE)
        self.assertContains(r, REASON, status_code=400)
        self.assertFalse(Summary.objects.exists())
        self.assertFalse(Revision.objects.exists())

    def test_the_editors_preview_button_refuses_it_too(self):
        r = self.post_edit(HOSTILE, preview="1")
        self.assertContains(r, REASON, status_code=400)

    def test_an_edit_over_the_budget_leaves_the_saved_summary_as_it_was(self):
        summary = make_summary(self.paper, self.alice, "Residuals: $y = F(x) + x$.")
        r = self.post_edit(HOSTILE)
        self.assertContains(r, REASON, status_code=400)
        summary.refresh_from_db()
        self.assertEqual(summary.body, "Residuals: $y = F(x) + x$.")
        self.assertEqual(summary.revisions.count(), 1)

    def test_publishing_a_draft_stored_before_the_budget_is_refused_and_changes_nothing(self):
        draft = make_summary(self.paper, self.alice, "A draft.", visibility="private")
        Summary.objects.filter(pk=draft.pk).update(body=HOSTILE)
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.client.post(f"/summary/{draft.pk}/publish")
            json = self.client.post(f"/summary/{draft.pk}/publish", HTTP_ACCEPT="application/json")
        self.assertContains(r, REASON, status_code=400)
        self.assertEqual(json.status_code, 400)
        self.assertIn(REASON, json.json()["error"])
        draft.refresh_from_db()
        self.assertEqual(draft.visibility, Summary.Visibility.PRIVATE)
        self.assertEqual(draft.revisions.count(), 1)


class RerenderOverTheBudgetTests(BaseTestCase):
    def test_rerender_markup_stores_what_is_over_the_budget_as_text_and_says_how_many(self):
        paper = make_paper("Sparse Recovery with $\\ell_1$", abstract="We show <b>$x$</b>.")
        summary = make_summary(paper, self.alice, "Before the budget: *emphasis* <b>bold</b>.")
        out = io.StringIO()
        # A budget nothing fits in: every stored text is over it.
        with self.settings(MARKUP_BUDGET_SECONDS=1e-9):
            call_command("rerender_markup", stdout=out, stderr=io.StringIO())
        self.assertIn("stored as plain text: 1 summaries, 1 abstracts, 1 titles", out.getvalue())
        summary.refresh_from_db()
        self.assertEqual(
            summary.body_html, "<p>Before the budget: *emphasis* &lt;b&gt;bold&lt;/b&gt;.</p>"
        )
        self.assertEqual(summary.excerpt, "Before the budget: *emphasis* <b>bold</b>.")
        paper = Paper.objects.get(pk=paper.pk)
        self.assertEqual(paper.abstract_html, "<p>We show &lt;b&gt;$x$&lt;/b&gt;.</p>")
        self.assertEqual(paper.title_html, "")  # shown as its text
        # Within the budget again, the next run typesets them again.
        out = io.StringIO()
        call_command("rerender_markup", stdout=out, stderr=io.StringIO())
        self.assertNotIn("plain text", out.getvalue())
        summary.refresh_from_db()
        self.assertIn("<em>emphasis</em>", summary.body_html)
