from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from shortscience.community.models import Comment, Vote
from shortscience.community.services import cast_vote, refresh_reputation
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.test import make_paper, make_summary, make_user


class ReputationTests(CommunityTestCase):
    def age(self, days: float, **filters) -> None:
        Vote.objects.filter(**filters).update(created=timezone.now() - timedelta(days=days))

    def reputation(self, user) -> int:
        return self.reload(user).reputation

    def test_only_votes_older_than_two_days_count(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        cast_vote(self.charlie, summary=self.summary, value=1)
        cast_vote(self.dora, summary=self.summary, value=-1)
        self.age(3, user=self.bob)
        self.age(2.5, user=self.dora)
        self.age(1.9, user=self.charlie)  # too young
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 0)  # +1 (bob) -1 (dora)
        self.age(2.1, user=self.charlie)
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 1)

    def test_a_changed_vote_counts_again_only_two_days_after_the_change(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        self.age(10)
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 1)
        cast_vote(self.bob, summary=self.summary, value=-1)
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 0)

    def test_anonymous_private_and_hidden_summaries_do_not_count(self):
        anonymous = make_summary(make_paper(), self.alice, "Unsigned.", is_anonymous=True)
        hidden = make_summary(make_paper(), self.alice, "Hidden later.")
        later_private = make_summary(make_paper(), self.alice, "Private later.")
        for summary in (self.summary, anonymous, hidden, later_private):
            cast_vote(self.bob, summary=summary, value=1)
        hidden.is_hidden = True
        hidden.save()
        make_summary(later_private.paper, self.alice, "Private later.", visibility="private")
        self.age(3)
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 1)

    def test_votes_on_live_comments_on_public_summaries_count(self):
        live = self.comment(self.bob, "Live.")
        deleted = self.comment(self.bob, "Deleted.")
        hidden = self.comment(self.bob, "Hidden.")
        private_summary = make_summary(make_paper(), self.charlie, "Charlie's.")
        on_private = self.comment(self.bob, "On a summary made private.", summary=private_summary)
        for comment in (live, deleted, hidden, on_private):
            cast_vote(self.dora, comment=comment, value=1)
        cast_vote(self.alice, comment=live, value=1)
        Comment.objects.filter(pk=deleted.pk).update(is_deleted=True)
        Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
        make_summary(private_summary.paper, self.charlie, "Charlie's.", visibility="private")
        self.age(3)
        refresh_reputation()
        self.assertEqual(self.reputation(self.bob), 2)

    def test_the_authors_own_comments_under_their_anonymous_summary_do_not_count(self):
        anonymous = make_summary(make_paper(), self.alice, "Unsigned.", is_anonymous=True)
        in_own_thread = self.comment(self.alice, "Thanks, the author here.", summary=anonymous)
        bobs_reply = self.comment(self.bob, "Nice.", summary=anonymous)
        elsewhere = self.comment(self.alice, "Signed comment elsewhere.")
        for comment in (in_own_thread, bobs_reply, elsewhere):
            cast_vote(self.charlie, comment=comment, value=1)
        self.age(3)
        refresh_reputation()
        self.assertEqual(self.reputation(self.alice), 1)  # elsewhere only
        self.assertEqual(self.reputation(self.bob), 1)  # a signed comment counts anywhere

    def test_it_can_refresh_some_members_only(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        bobs = make_summary(make_paper(), self.bob, "Bob's.")
        cast_vote(self.alice, summary=bobs, value=-1)
        self.age(3)
        self.assertEqual(refresh_reputation([self.bob]), 1)
        self.assertEqual((self.reputation(self.alice), self.reputation(self.bob)), (0, -1))
        self.assertEqual(refresh_reputation(), 1)
        self.assertEqual(refresh_reputation(), 0)
        self.assertEqual(self.reputation(self.alice), 1)


class UpdateReputationCommandTests(CommunityTestCase):
    def test_it_updates_every_member_and_reports_progress(self):
        for i in range(3):
            cast_vote(make_user(f"fan{i}"), summary=self.summary, value=1)
        Vote.objects.update(created=timezone.now() - timedelta(days=3))
        out, err = StringIO(), StringIO()
        call_command("update_reputation", stdout=out, stderr=err)
        self.assertEqual(self.reload(self.alice).reputation, 3)
        self.assertIn("1 of 7 members changed", out.getvalue())
        self.assertIn("members 7/7 (100%)", err.getvalue())
        call_command("update_reputation", stdout=out, stderr=StringIO())
        self.assertIn("0 of 7 members changed", out.getvalue())
