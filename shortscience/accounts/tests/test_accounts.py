from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase


class AccountFlowTests(TestCase):
    def test_sign_up_sends_a_verification_email_and_the_link_verifies_it(self):
        r = self.client.post(
            "/accounts/signup/",
            {
                "email": "dana@example.org",
                "username": "dana",
                "password1": "a long and unusual passphrase",
                "password2": "a long and unusual passphrase",
            },
        )
        self.assertEqual(r.status_code, 302)
        user = get_user_model().objects.get(username="dana")
        self.assertFalse(user.emailaddress_set.get().verified)
        self.assertEqual(len(mail.outbox), 1)
        link = re.search(r"https?://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)[
            1
        ]
        self.client.post(link)
        self.assertTrue(user.emailaddress_set.get().verified)

    def test_an_unverified_account_cannot_log_in_yet(self):
        self.client.post(
            "/accounts/signup/",
            {
                "email": "eve@example.org",
                "username": "eve",
                "password1": "another long phrase!",
                "password2": "another long phrase!",
            },
        )
        self.client.logout()
        r = self.client.post(
            "/accounts/login/", {"login": "eve", "password": "another long phrase!"}
        )
        self.assertRedirects(r, "/accounts/confirm-email/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_password_reset_mails_a_link(self):
        get_user_model().objects.create_user("fay", "fay@example.org", "x-password-x")
        self.client.post("/accounts/password/reset/", {"email": "fay@example.org"})
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("/accounts/password/reset/key/", mail.outbox[0].body)

    def test_log_out_needs_a_post_with_a_csrf_token(self):
        user = get_user_model().objects.create_user("gil", "gil@example.org", "x-password-x")
        self.client.force_login(user)
        self.client.get("/accounts/logout/")
        self.assertIn("_auth_user_id", self.client.session)
        self.client.handler.enforce_csrf_checks = True
        self.assertEqual(self.client.post("/accounts/logout/").status_code, 403)
        self.assertIn("_auth_user_id", self.client.session)
