from __future__ import annotations

from django.test import Client

from shortscience.notifications import services
from shortscience.notifications.models import NotificationSettings
from shortscience.notifications.tests.helpers import NotificationTestCase


class UnsubscribeTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.set_mode(self.alice, "immediate")
        self.token = services.unsubscribe_token(self.alice)
        self.url = f"/unsubscribe/{self.token}"

    def mode(self, user):
        prefs = NotificationSettings.objects.filter(user=user).first()
        return prefs.email_mode if prefs else "default"

    def test_get_shows_a_confirm_button_and_changes_nothing(self):
        r = self.client.get(self.url)
        self.assertContains(r, f'action="{self.url}"')
        self.assertContains(r, "Unsubscribe</button>")
        self.assertEqual(self.mode(self.alice), "immediate")

    def test_a_post_without_login_turns_email_off_and_redirects(self):
        r = self.client.post(self.url)
        self.assertRedirects(r, "/unsubscribe/done")
        self.assertEqual(self.mode(self.alice), "off")
        self.assertContains(self.client.get("/unsubscribe/done"), "no more notification emails")

    def test_one_click_post_from_a_mail_provider_needs_no_csrf_token(self):
        # RFC 8058: the provider POSTs "List-Unsubscribe=One-Click" with no cookies at all.
        client = Client(enforce_csrf_checks=True)
        r = client.post(self.url, {"List-Unsubscribe": "One-Click"})
        self.assertIn(r.status_code, (200, 302, 303))
        self.assertEqual(self.mode(self.alice), "off")

    def test_a_json_post_answers_json(self):
        r = self.client.post(self.url, headers={"accept": "application/json"})
        self.assertEqual(r.json(), {"unsubscribed": True})

    def test_a_logged_in_other_member_unsubscribes_only_the_tokens_owner(self):
        self.set_mode(self.charlie, "immediate")
        self.client.force_login(self.charlie)
        self.client.post(self.url)
        self.assertEqual(self.mode(self.alice), "off")
        self.assertEqual(self.mode(self.charlie), "immediate")

    def test_a_member_without_settings_gets_a_settings_row_with_email_off(self):
        r = self.client.post(f"/unsubscribe/{services.unsubscribe_token(self.bob)}")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.mode(self.bob), "off")

    def test_an_invalid_or_tampered_token_is_refused_and_changes_nothing(self):
        value, signature = self.token.rsplit(":", 1)
        other = services.unsubscribe_token(self.bob).rsplit(":", 1)[0]
        for token in ("nonsense", f"{other}:{signature}", f"{value}:{signature[:-2]}xx"):
            with self.subTest(token=token):
                for method in (self.client.get, self.client.post):
                    r = method(f"/unsubscribe/{token}")
                    self.assertContains(r, "not valid", status_code=400)
        self.assertEqual(self.mode(self.alice), "immediate")
        self.assertEqual(self.mode(self.bob), "default")

    def test_a_token_signed_for_another_purpose_is_refused(self):
        from django.core import signing

        token = signing.dumps(self.alice.pk, salt="something.else")
        r = self.client.post(f"/unsubscribe/{token}")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(self.mode(self.alice), "immediate")

    def test_a_token_for_a_deleted_member_is_refused(self):
        token = services.unsubscribe_token(self.charlie)
        self.charlie.delete()
        self.assertEqual(self.client.post(f"/unsubscribe/{token}").status_code, 400)
