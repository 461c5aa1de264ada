from __future__ import annotations

from django.db import IntegrityError, transaction

from shortscience.notifications.models import Follow
from shortscience.notifications.tests.helpers import NotificationTestCase, make_comment
from shortscience.test import make_paper

JSON = {"accept": "application/json"}


class FollowTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Followed Paper")
        self.summary = self.save_summary(self.paper, self.alice)
        self.private = self.save_summary(
            make_paper("Private Paper"), self.alice, visibility="private"
        )

    def test_a_member_follows_a_paper_with_a_plain_post(self):
        self.client.force_login(self.bob)
        r = self.client.post(f"/follow/paper/{self.paper.pk}")
        self.assertRedirects(
            r, self.paper.get_absolute_url(), status_code=303, fetch_redirect_response=False
        )
        self.assertTrue(Follow.objects.filter(user=self.bob, paper=self.paper).exists())

    def test_it_returns_to_a_safe_next_url_only(self):
        self.client.force_login(self.bob)
        r = self.client.post(f"/follow/paper/{self.paper.pk}", {"next": "/summary/1"})
        self.assertEqual(r["Location"], "/summary/1")
        r = self.client.post(f"/follow/paper/{self.paper.pk}", {"next": "https://evil.example/"})
        self.assertEqual(r["Location"], self.paper.get_absolute_url())

    def test_following_twice_keeps_one_follow_and_json_says_so(self):
        self.client.force_login(self.bob)
        for _ in range(2):
            r = self.client.post(f"/follow/summary/{self.summary.pk}", headers=JSON)
            self.assertEqual(
                r.json(), {"kind": "summary", "id": self.summary.pk, "following": True}
            )
        self.assertEqual(Follow.objects.filter(user=self.bob).count(), 1)

    def test_unfollow_with_a_plain_post_and_with_json(self):
        Follow.objects.create(user=self.bob, paper=self.paper)
        Follow.objects.create(user=self.bob, summary=self.summary)
        self.client.force_login(self.bob)
        r = self.client.post(f"/unfollow/paper/{self.paper.pk}")
        self.assertEqual(r.status_code, 303)
        r = self.client.post(f"/unfollow/summary/{self.summary.pk}", headers=JSON)
        self.assertEqual(r.json()["following"], False)
        self.assertFalse(Follow.objects.filter(user=self.bob).exists())

    def test_unfollowing_touches_only_the_members_own_follow(self):
        self.client.force_login(self.charlie)
        self.client.post(f"/unfollow/summary/{self.summary.pk}")
        self.assertTrue(Follow.objects.filter(user=self.alice, summary=self.summary).exists())

    def test_following_a_reply_follows_its_thread(self):
        top = make_comment(self.summary, self.alice)
        reply = make_comment(self.summary, self.charlie, parent=top)
        self.client.force_login(self.bob)
        r = self.client.post(f"/follow/comment/{reply.pk}")
        self.assertRedirects(
            r, self.summary.get_absolute_url(), status_code=303, fetch_redirect_response=False
        )
        self.assertTrue(Follow.objects.filter(user=self.bob, comment=top).exists())

    def test_the_owner_may_follow_a_private_summary_but_nobody_else_may(self):
        self.client.force_login(self.alice)
        Follow.objects.all().delete()
        self.assertEqual(self.client.post(f"/follow/summary/{self.private.pk}").status_code, 303)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(f"/follow/summary/{self.private.pk}").status_code, 404)
        comment = make_comment(self.private, self.alice)
        self.assertEqual(self.client.post(f"/follow/comment/{comment.pk}").status_code, 404)
        self.assertFalse(Follow.objects.filter(user=self.bob).exists())

    def test_a_hidden_comment_cannot_be_followed_by_others(self):
        comment = make_comment(self.summary, self.charlie, is_hidden=True)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(f"/follow/comment/{comment.pk}").status_code, 404)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(f"/follow/comment/{comment.pk}").status_code, 303)

    def test_unknown_kinds_and_targets_are_not_found(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(f"/follow/user/{self.bob.pk}").status_code, 404)
        self.assertEqual(self.client.post("/follow/paper/999999").status_code, 404)

    def test_a_visitor_is_sent_to_log_in_or_told_401(self):
        r = self.client.post(f"/follow/paper/{self.paper.pk}")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        r = self.client.post(f"/follow/paper/{self.paper.pk}", headers=JSON)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(
            self.client.post(f"/unfollow/paper/{self.paper.pk}", headers=JSON).status_code, 401
        )
        self.assertFalse(Follow.objects.filter(paper=self.paper).exists())

    def test_following_is_rate_limited(self):
        self.client.force_login(self.bob)
        statuses = {
            self.client.post(f"/follow/paper/{self.paper.pk}").status_code for _ in range(61)
        }
        self.assertIn(429, statuses)

    def test_get_is_not_allowed(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(f"/follow/paper/{self.paper.pk}").status_code, 405)

    def test_the_paper_and_summary_pages_show_the_button_in_its_state(self):
        self.client.force_login(self.bob)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, f'action="/follow/paper/{self.paper.pk}"')
        self.assertContains(r, "js/notifications.js")
        Follow.objects.create(user=self.bob, paper=self.paper)
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, f'action="/unfollow/paper/{self.paper.pk}"')
        self.client.force_login(self.alice)  # she follows her summary since she wrote it
        r = self.client.get(self.summary.get_absolute_url())
        self.assertContains(r, f'action="/unfollow/summary/{self.summary.pk}"')
        self.client.logout()
        r = self.client.get(self.summary.get_absolute_url())
        self.assertContains(r, 'class="follow-button" href="/accounts/login/?next=')
        self.assertNotContains(r, "/follow/summary/")


class FollowConstraintTests(NotificationTestCase):
    def test_a_follow_has_exactly_one_target(self):
        paper = make_paper()
        summary = self.save_summary(paper, self.alice)
        for targets in ({}, {"paper": paper, "summary": summary}):
            with self.subTest(targets=targets), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    Follow.objects.create(user=self.bob, **targets)

    def test_a_member_follows_a_target_once(self):
        paper = make_paper()
        Follow.objects.create(user=self.bob, paper=paper)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Follow.objects.create(user=self.bob, paper=paper)
