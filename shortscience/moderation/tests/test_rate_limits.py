"""The named rate-limit policies of accounts/ratelimit.py, and where they are wired."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import RequestFactory, TestCase
from django.utils import timezone

from shortscience.accounts.ratelimit import POLICIES, allow, limit_for
from shortscience.lib import markup
from shortscience.test import BaseTestCase, make_user


class FrozenTime:
    """Time stands still, so a bucket cannot refill while a test runs however slow it is."""

    def __enter__(self):
        self.patch = mock.patch(
            "shortscience.accounts.models.timezone.now", return_value=timezone.now()
        )
        self.patch.start()

    def __exit__(self, *exc):
        self.patch.stop()


class AccountFormLimitTests(TestCase):
    def codes(self, url, data_for, policy, ip="10.0.0.1"):
        capacity, _ = POLICIES[policy]
        with FrozenTime():
            return [
                self.client.post(url, data_for(i), REMOTE_ADDR=ip).status_code
                for i in range(capacity + 1)
            ]

    def test_log_in_attempts_are_limited_per_ip(self):
        make_user("zed")
        codes = self.codes(
            "/accounts/login/", lambda i: {"login": "zed", "password": f"wrong{i}"}, "login"
        )
        self.assertNotIn(429, codes[:-1])
        self.assertEqual(codes[-1], 429)
        # Another address has its own bucket.
        r = self.client.post(
            "/accounts/login/", {"login": "zed", "password": "x"}, REMOTE_ADDR="10.0.0.2"
        )
        self.assertEqual(r.status_code, 200)

    def test_log_in_attempts_are_limited_per_account_from_any_ip(self):
        make_user("zed")
        capacity, _ = POLICIES["login_account"]
        with FrozenTime():
            for i in range(capacity):
                self.client.post(
                    "/accounts/login/",
                    {"login": "zed", "password": "wrong"},
                    REMOTE_ADDR=f"10.1.0.{i}",
                )
            r = self.client.post(
                "/accounts/login/", {"login": "ZED", "password": "password"}, REMOTE_ADDR="10.2.0.1"
            )
        self.assertContains(r, "Too many failed login attempts")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_sign_ups_are_limited_per_ip(self):
        def data(i):
            return {
                "email": f"new{i}@example.org",
                "username": f"new{i}",
                "password1": "a long and unusual passphrase",
                "password2": "a long and unusual passphrase",
            }

        codes = self.codes("/accounts/signup/", data, "signup")
        self.assertNotIn(429, codes[:-1])
        self.assertEqual(codes[-1], 429)
        self.assertEqual(get_user_model().objects.count(), POLICIES["signup"][0])

    def test_password_resets_are_limited_per_ip(self):
        codes = self.codes(
            "/accounts/password/reset/", lambda i: {"email": "nobody@example.org"}, "password_reset"
        )
        self.assertNotIn(429, codes[:-1])
        self.assertEqual(codes[-1], 429)

    def test_the_forms_still_show_on_get(self):
        with FrozenTime():
            for _ in range(POLICIES["login"][0] + 1):
                self.client.post("/accounts/login/", {"login": "x", "password": "y"})
            self.assertEqual(self.client.get("/accounts/login/").status_code, 200)


class NewAccountTests(BaseTestCase):
    def request_for(self, user):
        request = RequestFactory().post("/")
        request.user = user
        return request

    def test_a_new_account_gets_half_the_write_limits(self):
        capacity, seconds = POLICIES["comment"]
        self.assertEqual(limit_for(self.alice, "comment"), (capacity // 2, seconds))

    def test_an_established_account_gets_the_whole_bucket(self):
        self.alice.date_joined = timezone.now() - timedelta(days=8)
        self.assertEqual(limit_for(self.alice, "comment"), POLICIES["comment"])

    def test_previews_are_not_halved(self):
        self.assertEqual(limit_for(self.alice, "preview"), POLICIES["preview"])

    def test_a_new_account_runs_out_sooner(self):
        old = make_user("old")
        old.date_joined = timezone.now() - timedelta(days=30)
        with FrozenTime():
            new_ok = sum(allow(self.request_for(self.alice), "report") for _ in range(40))
            old_ok = sum(allow(self.request_for(old), "report") for _ in range(40))
        self.assertEqual(new_ok, POLICIES["report"][0] // 2)
        self.assertEqual(old_ok, POLICIES["report"][0])

    def test_the_age_comes_from_the_setting(self):
        self.alice.date_joined = timezone.now() - timedelta(days=2)
        with self.settings(NEW_ACCOUNT_DAYS=1):
            self.assertEqual(limit_for(self.alice, "vote"), POLICIES["vote"])

    def test_every_named_policy_exists(self):
        for name in (
            "signup",
            "login",
            "password_reset",
            "summary",
            "comment",
            "vote",
            "report",
            "preview",
            "upload",
            "claim",
            "follow",
        ):
            self.assertIn(name, POLICIES)

    def test_a_new_accounts_links_carry_nofollow(self):
        # Every member's links do, from their first: the sanitizer adds rel to all user links,
        # so a new account's links give spammers no search ranking.
        html = markup.render("See [my site](https://spam.example/)").html
        self.assertIn('rel="nofollow ugc noopener"', html)


class ReportRateLimitTests(BaseTestCase):
    def test_reports_are_rate_limited_per_member(self):
        self.client.force_login(self.charlie)
        capacity, _ = limit_for(self.charlie, "report")
        url = f"/moderation/report/user/{self.alice.pk}"
        with FrozenTime():
            codes = [
                self.client.post(url, {"reason": "spam"}).status_code for _ in range(capacity + 1)
            ]
        self.assertNotIn(429, codes[:-1])
        self.assertEqual(codes[-1], 429)
