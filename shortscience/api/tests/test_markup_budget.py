"""The API's writes refuse a text that would take too long to typeset as the pages do (400
with the reason, nothing saved), and share the pages' "render" bucket: a member who has
spent their rendering time gets a 429 with Retry-After from the API too."""

from __future__ import annotations

from django.utils import timezone

from shortscience.accounts.models import TokenBucket
from shortscience.api.tests.test_writes import WriteTestCase
from shortscience.community.models import Comment
from shortscience.summaries.models import Revision, Summary
from shortscience.test import make_summary

HOSTILE = "![" * 50_000  # ~3.4 s of CPU to parse; refused after 10 ms here
TINY_BUDGET = 0.01
REASON = "would take too long to typeset"


class RefusedTextTests(WriteTestCase):
    def test_a_summary_over_the_budget_is_a_400_and_nothing_is_saved(self):
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.post_summary(body=HOSTILE)
        self.assertEqual(r.status_code, 400)
        self.assertIn(REASON, r.json()["detail"])
        self.assertFalse(Summary.objects.exists())
        self.assertFalse(Revision.objects.exists())

    def test_an_edit_over_the_budget_is_a_400_and_the_summary_stays_as_it_was(self):
        created = self.post_summary(body="Alice on attention.")
        path = f"/api/v1/summaries/{created.json()['id']}"
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.call(
                "put",
                path,
                {"body_markdown": HOSTILE},
                self.alice_token,
                HTTP_IF_MATCH=created["ETag"],
            )
        self.assertEqual(r.status_code, 400)
        self.assertIn(REASON, r.json()["detail"])
        self.assertEqual(Summary.objects.get().body, "Alice on attention.")
        self.assertEqual(Revision.objects.count(), 1)

    def test_a_comment_over_the_budget_is_a_400_and_nothing_is_saved(self):
        summary = make_summary(self.paper, self.alice, "A summary.")
        with self.settings(MARKUP_BUDGET_SECONDS=TINY_BUDGET):
            r = self.call(
                "post",
                f"/api/v1/summaries/{summary.pk}/comments",
                {"body_markdown": "[" * 10_000},
                self.bob_token,
            )
        self.assertEqual(r.status_code, 400)
        self.assertIn(REASON, r.json()["detail"])
        self.assertFalse(Comment.objects.exists())

    def test_a_member_whose_rendering_time_is_spent_gets_a_429_with_retry_after(self):
        TokenBucket.objects.create(
            key=f"render:user:{self.alice.pk}", tokens=-0.5, updated=timezone.now()
        )
        r = self.post_summary()
        self.assertEqual(r.status_code, 429)
        self.assertGreaterEqual(int(r["Retry-After"]), 3)  # 0.5 s refills in 3 s
        self.assertFalse(Summary.objects.exists())

    def test_each_write_is_charged_to_the_members_rendering_time(self):
        self.assertEqual(self.post_summary().status_code, 201)
        bucket = TokenBucket.objects.get(key=f"render:user:{self.alice.pk}")
        self.assertLess(bucket.tokens, 20)
