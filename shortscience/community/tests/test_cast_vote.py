from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import SimpleTestCase
from django.utils import timezone

from shortscience.community.models import Vote
from shortscience.community.services import cast_vote
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.ranking.scores import wilson_lower_bound
from shortscience.test import make_summary


class WilsonTests(SimpleTestCase):
    def test_it_is_zero_without_votes_and_rewards_evidence(self):
        self.assertEqual(wilson_lower_bound(0, 0), 0.0)
        self.assertAlmostEqual(wilson_lower_bound(1, 0), 0.3784, places=3)
        self.assertAlmostEqual(wilson_lower_bound(10, 1), 0.7395, places=3)
        self.assertLess(wilson_lower_bound(1, 0), wilson_lower_bound(10, 1))
        self.assertLess(wilson_lower_bound(5, 5), wilson_lower_bound(6, 4))
        self.assertEqual(wilson_lower_bound(0, 3), 0.0)


class CastVoteTests(CommunityTestCase):
    def counts(self, target=None):
        target = self.reload(target or self.summary)
        return target.upvotes, target.downvotes

    def test_every_transition_moves_the_counts_by_the_difference(self):
        steps = [  # (new value, expected (up, down) after it)
            (1, (1, 0)),
            (1, (1, 0)),
            (-1, (0, 1)),
            (-1, (0, 1)),
            (0, (0, 0)),
            (0, (0, 0)),
            (-1, (0, 1)),
            (1, (1, 0)),
            (0, (0, 0)),
        ]
        for value, expected in steps:
            with self.subTest(value=value):
                result = cast_vote(self.bob, summary=self.summary, value=value)
                self.assertEqual(self.counts(), expected)
                self.assertEqual(
                    (result.upvotes, result.downvotes, result.value), (*expected, value)
                )
                self.assertEqual(
                    Vote.objects.filter(user=self.bob, summary=self.summary).count(),
                    1 if value else 0,
                )

    def test_it_stores_the_wilson_score_with_the_counts(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        self.assertAlmostEqual(self.reload(self.summary).wilson, wilson_lower_bound(1, 0))
        cast_vote(self.charlie, summary=self.summary, value=-1)
        self.assertAlmostEqual(self.reload(self.summary).wilson, wilson_lower_bound(1, 1))
        cast_vote(self.charlie, summary=self.summary, value=0)
        cast_vote(self.bob, summary=self.summary, value=0)
        self.assertEqual(self.reload(self.summary).wilson, 0.0)

    def test_created_is_when_the_vote_took_its_current_value(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        old = timezone.now() - timedelta(days=5)
        Vote.objects.update(created=old)
        cast_vote(self.bob, summary=self.summary, value=1)  # the same vote: unchanged
        self.assertEqual(Vote.objects.get().created, old)
        cast_vote(self.bob, summary=self.summary, value=-1)
        self.assertGreater(Vote.objects.get().created, timezone.now() - timedelta(minutes=1))

    def test_a_vote_does_not_touch_the_summarys_edited_time(self):
        edited = self.summary.edited
        cast_vote(self.bob, summary=self.summary, value=1)
        self.assertEqual(self.reload(self.summary).edited, edited)

    def test_nobody_votes_on_their_own_work(self):
        with self.assertRaises(PermissionDenied):
            cast_vote(self.alice, summary=self.summary, value=1)
        comment = self.comment(self.bob)
        with self.assertRaises(PermissionDenied):
            cast_vote(self.bob, comment=comment, value=-1)
        self.assertFalse(Vote.objects.exists())

    def test_nobody_votes_on_what_they_cannot_see(self):
        private = make_summary(self.paper, self.bob, "Bob's notes.", visibility="private")
        hidden = make_summary(self.paper, self.charlie, "Hidden.")
        hidden.is_hidden = True
        hidden.save()
        for target in (private, hidden):
            with self.subTest(target=target), self.assertRaises(PermissionDenied):
                cast_vote(self.dora, summary=target, value=1)
        deleted, hidden_comment = self.comment(self.bob, "Gone."), self.comment(self.bob, "Hid.")
        deleted.is_deleted = True
        deleted.save()
        hidden_comment.is_hidden = True
        hidden_comment.save()
        for target in (deleted, hidden_comment):
            with self.subTest(target=target), self.assertRaises(PermissionDenied):
                cast_vote(self.charlie, comment=target, value=1)
        self.assertFalse(Vote.objects.exists())

    def test_a_banned_member_does_not_vote(self):
        self.bob.banned_at = timezone.now()
        self.bob.save()
        with self.assertRaises(PermissionDenied):
            cast_vote(self.bob, summary=self.summary, value=1)

    def test_a_vote_is_plus_one_minus_one_or_zero(self):
        for value in (2, -2, 10):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                cast_vote(self.bob, summary=self.summary, value=value)

    def test_votes_on_comments_count_on_the_comment_alone(self):
        comment = self.comment(self.bob)
        cast_vote(self.charlie, comment=comment, value=1)
        cast_vote(self.alice, comment=comment, value=-1)
        self.assertEqual(self.counts(comment), (1, 1))
        self.assertAlmostEqual(self.reload(comment).wilson, wilson_lower_bound(1, 1))
        self.assertEqual(self.counts(), (0, 0))
        # One vote per user per target: a vote on the summary is another row.
        cast_vote(self.charlie, summary=self.summary, value=1)
        self.assertEqual(Vote.objects.filter(user=self.charlie).count(), 2)
