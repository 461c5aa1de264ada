from __future__ import annotations

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase

from shortscience.community.models import Comment, CommentRevision, Vote
from shortscience.summaries.models import Summary


class DemoDiscussionTests(TestCase):
    def load(self) -> str:
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    def test_the_demo_has_votes_threads_and_reputation_and_a_second_run_adds_none(self):
        self.assertIn("new comments", self.load())
        counts = (Vote.objects.count(), Comment.objects.count(), CommentRevision.objects.count())
        self.assertGreaterEqual(counts[0], 30)
        self.assertGreaterEqual(counts[1], 10)
        self.assertTrue(Comment.objects.filter(depth=2).exists())
        self.assertTrue(get_user_model().objects.filter(reputation__gt=2).exists())
        for summary in Summary.objects.all():
            votes = Vote.objects.filter(summary=summary)
            self.assertEqual(
                (summary.upvotes, summary.downvotes, summary.comment_count),
                (
                    votes.filter(value=1).count(),
                    votes.filter(value=-1).count(),
                    summary.comments.count(),
                ),
            )
        self.assertIn("0 new votes, 0 new comments", self.load())
        self.assertEqual(
            (Vote.objects.count(), Comment.objects.count(), CommentRevision.objects.count()), counts
        )
