"""Votes, scores and comment counts on the lists of summaries: the paper page and the home page."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.community.services import cast_vote
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.test import make_summary, make_user


class PaperPageVoteTests(CommunityTestCase):
    def order(self) -> list[int]:
        html = self.client.get(self.paper.get_absolute_url()).content.decode()
        return [
            int(pk) for pk in re.findall(r'<article class="summary[^"]*" id="summary-(\d+)"', html)
        ]

    def test_summaries_are_ordered_by_wilson_score_then_by_last_edit(self):
        bobs = make_summary(self.paper, self.bob, "Bob's.")
        charlies = make_summary(self.paper, self.charlie, "Charlie's.")
        self.assertEqual(self.order(), [charlies.pk, bobs.pk, self.summary.pk])
        for voter in (self.dora, make_user("fan")):
            cast_vote(voter, summary=self.summary, value=1)
        cast_vote(self.dora, summary=bobs, value=1)
        self.assertEqual(self.order(), [self.summary.pk, bobs.pk, charlies.pk])

    def test_a_member_sees_vote_forms_with_their_vote_pressed(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        self.client.force_login(self.bob)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(
            r, f'action="/summary/{self.summary.pk}/vote" class="vote-form"', count=2
        )
        self.assertContains(r, 'class="vote voted-up"')
        self.assertContains(r, 'aria-pressed="true"', count=1)
        # Pressing the pressed arrow again withdraws the vote.
        self.assertContains(r, '<input type="hidden" name="value" value="0">')
        self.assertContains(r, '<input type="hidden" name="value" value="-1">')
        self.assertContains(
            r, f'name="next" value="{self.paper.get_absolute_url()}#summary-{self.summary.pk}"'
        )
        self.assertContains(r, "/static/js/community.js")

    def test_the_author_sees_the_score_without_arrows_and_a_visitor_is_sent_to_log_in(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        self.client.force_login(self.alice)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertNotContains(r, "vote-form")
        self.assertContains(r, "1 point<")
        self.client.logout()
        r = self.client.get(self.paper.get_absolute_url())
        self.assertNotContains(r, "vote-form")
        self.assertContains(r, 'title="Log in to vote"', count=2)

    def test_every_summary_shows_its_comment_count(self):
        self.comment(self.bob)
        self.comment(self.charlie)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, f'href="/summary/{self.summary.pk}#comments">2 comments</a>')

    def test_its_query_count_does_not_grow_with_votes(self):
        self.client.force_login(self.bob)
        url = self.paper.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for i in range(5):
            writer = make_user(f"writer{i}")
            cast_vote(self.bob, summary=make_summary(self.paper, writer), value=1 if i % 2 else -1)
        with CaptureQueriesContext(connection) as after:
            self.client.get(url)
        self.assertEqual(len(before), len(after))


class HomePageCountsTests(CommunityTestCase):
    def test_the_latest_summaries_show_their_score_and_comment_count(self):
        cast_vote(self.bob, summary=self.summary, value=1)
        cast_vote(self.charlie, summary=self.summary, value=1)
        self.comment(self.bob)
        r = self.client.get("/")
        self.assertContains(r, 'title="2 up, 0 down">2 points</span>')
        self.assertContains(r, f'href="/summary/{self.summary.pk}#comments">1 comment</a>')
