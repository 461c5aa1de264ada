from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase

FORM = {
    "email": "hana@example.org",
    "username": "hana",
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
}


class SignupHoneypotTests(TestCase):
    def test_the_sign_up_page_hides_the_honeypot_from_people(self):
        r = self.client.get("/accounts/signup/")
        self.assertContains(r, 'class="hp" aria-hidden="true"')
        self.assertContains(r, 'name="website"')
        self.assertContains(r, 'tabindex="-1"')

    def test_a_filled_honeypot_rejects_the_sign_up_and_creates_nothing(self):
        r = self.client.post("/accounts/signup/", {**FORM, "website": "http://spam.example"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "We could not create this account")
        self.assertFalse(get_user_model().objects.filter(username="hana").exists())
        self.assertFalse(EmailAddress.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_an_empty_honeypot_lets_a_person_sign_up(self):
        r = self.client.post("/accounts/signup/", {**FORM, "website": ""})
        self.assertEqual(r.status_code, 302)
        self.assertTrue(get_user_model().objects.filter(username="hana").exists())
