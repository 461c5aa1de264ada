"""A comment that would take too long to typeset (settings.MARKUP_BUDGET_SECONDS) is
refused with the reason, posted, edited or previewed, with or without JavaScript, and
nothing is saved."""

from __future__ import annotations

from shortscience.community.models import Comment, CommentRevision
from shortscience.community.tests.helpers import CommunityTestCase

# 10 KB (COMMENT_MAX_CHARS) of "[": ~0.2 s of CPU to parse, far over a 10 ms budget.
HOSTILE = "[" * 10_000
TINY_BUDGET = 0.01
REASON = "would take too long to typeset"


class RefusedCommentTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.bob)
        self.post_url = f"/summary/{self.summary.pk}/comments"
        self.preview_url = f"/summary/{self.summary.pk}/comments/preview"

    def test_posting_it_without_javascript_brings_the_form_back_with_the_reason(self):
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.client.post(self.post_url, {"body": HOSTILE})
        self.assertContains(r, REASON, status_code=400)
        self.assertFalse(Comment.objects.exists())
        self.assertEqual(self.reload(self.summary).comment_count, 0)

    def test_posting_it_as_json_answers_400_with_the_reason(self):
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.json_post(self.post_url, {"body": HOSTILE})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(r.json()["ok"])
        self.assertIn(REASON, r.json()["error"])
        self.assertFalse(Comment.objects.exists())

    def test_an_edit_over_the_budget_leaves_the_comment_as_it_was(self):
        comment = self.comment(self.bob, "First words.")
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.client.post(f"/comment/{comment.pk}/edit", {"body": HOSTILE})
        self.assertContains(r, REASON, status_code=400)
        comment.refresh_from_db()
        self.assertEqual(comment.body, "First words.")
        self.assertEqual(CommentRevision.objects.filter(comment=comment).count(), 1)

    def test_the_preview_answers_400_with_the_reason_with_and_without_javascript(self):
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            plain = self.client.post(self.preview_url, {"body": HOSTILE})
            json = self.json_post(self.preview_url, {"body": HOSTILE})
        self.assertContains(plain, REASON, status_code=400)
        self.assertEqual(json.status_code, 400)
        self.assertIn(REASON, json.json()["error"])
        self.assertFalse(Comment.objects.exists())

    def test_the_same_brackets_within_the_budget_are_previewed(self):
        r = self.json_post(self.preview_url, {"body": "[" * 50 + " a [link](https://example.org)"})
        self.assertEqual(r.status_code, 200)
        self.assertIn('href="https://example.org"', r.json()["html"])
