from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from shortscience.accounts.auth import AccountAdapter
from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction
from shortscience.moderation.tests.helpers import ModerationTestCase
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary


class BanTests(ModerationTestCase):
    def ban_charlie(self, reason="Spam links."):
        services.ban(moderator=self.bob, user=self.charlie, reason=reason)

    def test_a_banned_member_cannot_log_in_and_is_told_why(self):
        self.ban_charlie()
        r = self.client.post("/accounts/login/", {"login": "charlie", "password": "password"})
        self.assertContains(r, "This account is banned: Spam links.")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_banned_member_cannot_log_in_by_email_either(self):
        self.ban_charlie()
        r = self.client.post(
            "/accounts/login/", {"login": "charlie@example.org", "password": "password"}
        )
        self.assertContains(r, "This account is banned")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_password_says_nothing_about_a_ban(self):
        self.ban_charlie()
        r = self.client.post("/accounts/login/", {"login": "charlie", "password": "wrong"})
        self.assertNotContains(r, "banned")

    def test_the_backends_refuse_a_banned_member(self):
        self.ban_charlie()
        self.assertIsNone(authenticate(username="charlie", password="password"))
        self.assertEqual(authenticate(username="alice", password="password"), self.alice)

    def test_an_open_session_ends_on_the_next_request(self):
        self.client.force_login(self.charlie)
        self.ban_charlie()
        r = self.client.get("/")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertIn(
            "This account is banned: Spam links.", [str(m) for m in get_messages(r.wsgi_request)]
        )

    def test_a_banned_member_cannot_post(self):
        self.client.force_login(self.charlie)
        self.ban_charlie()
        paper = Paper.objects.get(pk=self.paper.pk)
        r = self.client.post(
            f"/paper/{paper.pk}/summary/edit",
            {"body": "spam", "visibility": "public", "publish": "1"},
        )
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Summary.objects.filter(user=self.charlie).exists())

    def test_no_other_way_into_a_session_lets_a_banned_member_in(self):
        # pre_login runs before every allauth log-in: after sign-up, a password reset, etc.
        self.ban_charlie()
        request = RequestFactory().get("/")
        SessionMiddleware(lambda r: None).process_request(request)
        request._messages = FallbackStorage(request)
        response = AccountAdapter(request).pre_login(
            request,
            self.charlie,
            email_verification="none",
            signal_kwargs=None,
            email=None,
            signup=False,
            redirect_url=None,
        )
        self.assertEqual(response["Location"], "/accounts/login/")
        self.assertIn("This account is banned: Spam links.", [str(m) for m in request._messages])

    def test_the_ban_is_on_the_public_log(self):
        self.ban_charlie()
        self.assertContains(self.client.get("/moderation/log"), "Spam links.")
        self.assertEqual(ModerationAction.objects.get().action, "ban")

    def test_an_unbanned_member_logs_in_again(self):
        self.ban_charlie()
        services.unban(moderator=self.bob, user=self.charlie, reason="Appeal.")
        EmailAddress.objects.create(
            user=self.charlie, email="charlie@example.org", verified=True, primary=True
        )
        r = self.client.post("/accounts/login/", {"login": "charlie", "password": "password"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("_auth_user_id", self.client.session)

    def test_other_members_are_unaffected(self):
        self.ban_charlie()
        self.client.force_login(self.alice)
        self.client.get("/")
        self.assertIn("_auth_user_id", self.client.session)
