from __future__ import annotations

from unittest import mock

from shortscience.community.models import Vote
from shortscience.community.services import cast_vote
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.test import make_summary


class VoteOnSummaryTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/summary/{self.summary.pk}/vote"

    def test_a_member_votes_with_a_plain_post_and_goes_back(self):
        self.client.force_login(self.bob)
        back = f"{self.paper.get_absolute_url()}#summary-{self.summary.pk}"
        r = self.client.post(self.url, {"value": "1", "next": back})
        self.assertRedirects(r, back, fetch_redirect_response=False)
        self.assertEqual(self.reload(self.summary).upvotes, 1)

    def test_without_a_safe_next_it_goes_to_the_summary(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"value": "-1", "next": "https://evil.example/"})
        self.assertRedirects(r, self.summary.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(self.reload(self.summary).downvotes, 1)

    def test_a_script_gets_the_new_state_as_json(self):
        self.client.force_login(self.bob)
        r = self.json_post(self.url, {"value": "1"})
        self.assertEqual(
            r.json(), {"ok": True, "value": 1, "upvotes": 1, "downvotes": 0, "score": 1}
        )
        r = self.json_post(self.url, {"value": "0"})
        self.assertEqual(r.json()["score"], 0)
        self.assertFalse(Vote.objects.exists())

    def test_its_author_cannot_vote_on_it(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(self.url, {"value": "1"}).status_code, 403)
        r = self.json_post(self.url, {"value": "1"})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(r.json()["ok"], False)
        self.assertEqual(self.reload(self.summary).upvotes, 0)

    def test_a_moderator_votes_like_any_member(self):
        self.client.force_login(self.dora)
        self.assertEqual(self.json_post(self.url, {"value": "-1"}).json()["downvotes"], 1)

    def test_a_visitor_is_sent_to_log_in(self):
        r = self.client.post(self.url, {"value": "1"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Vote.objects.exists())

    def test_a_private_summary_is_a_404_and_a_bad_value_a_400(self):
        private = make_summary(self.paper, self.charlie, "Secret.", visibility="private")
        self.client.force_login(self.bob)
        r = self.client.post(f"/summary/{private.pk}/vote", {"value": "1"})
        self.assertEqual(r.status_code, 404)
        for value in ("2", "up", ""):
            with self.subTest(value=value):
                self.assertEqual(self.client.post(self.url, {"value": value}).status_code, 400)
        self.assertEqual(self.json_post(self.url, {"value": "5"}).status_code, 400)

    def test_only_post_is_allowed(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_it_is_rate_limited(self):
        self.client.force_login(self.bob)
        # 4 an hour, which a new account (bob joined today) gets halved to 2.
        with mock.patch.dict("shortscience.accounts.ratelimit.POLICIES", {"vote": (4, 3600)}):
            codes = [self.client.post(self.url, {"value": v}).status_code for v in "101"]
        self.assertEqual(codes, [302, 302, 429])


class VoteOnCommentTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.target = self.comment(self.bob, "Bob's remark.")
        self.url = f"/comment/{self.target.pk}/vote"

    def test_members_vote_on_others_comments(self):
        for user in (self.alice, self.charlie, self.dora):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url, {"value": "1"}).status_code, 302)
        self.assertEqual(self.reload(self.target).upvotes, 3)
        self.client.force_login(self.charlie)
        r = self.json_post(self.url, {"value": "-1"})
        self.assertEqual((r.json()["upvotes"], r.json()["downvotes"]), (2, 1))

    def test_the_plain_post_goes_back_to_the_comment_in_its_thread(self):
        self.client.force_login(self.charlie)
        r = self.client.post(self.url, {"value": "1"})
        self.assertRedirects(
            r,
            f"{self.summary.get_absolute_url()}#comment-{self.target.pk}",
            fetch_redirect_response=False,
        )

    def test_its_author_and_visitors_cannot(self):
        self.assertIn("/accounts/login/", self.client.post(self.url, {"value": "1"})["Location"])
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.url, {"value": "1"}).status_code, 403)
        self.assertEqual(self.reload(self.target).upvotes, 0)

    def test_a_hidden_comment_is_a_404_to_others_and_closed_to_votes(self):
        self.target.is_hidden = True
        self.target.save()
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(self.url, {"value": "1"}).status_code, 404)
        self.client.force_login(self.dora)  # a moderator sees it, but it takes no votes
        self.assertEqual(self.client.post(self.url, {"value": "1"}).status_code, 403)

    def test_the_counts_show_on_the_page_with_the_voters_arrow_pressed(self):
        cast_vote(self.charlie, comment=self.target, value=1)
        cast_vote(self.charlie, summary=self.summary, value=-1)
        self.client.force_login(self.charlie)
        html = self.client.get(self.summary.get_absolute_url()).content.decode()
        self.assertIn('class="vote voted-up"', html)
        self.assertIn('class="vote voted-down"', html)
        self.assertIn('<span class="score" title="1 up, 0 down">1</span>', html)
        self.assertIn('<span class="score" title="0 up, 1 down">-1</span>', html)
