from __future__ import annotations

from shortscience.notifications.models import NotificationSettings
from shortscience.notifications.tests.helpers import NotificationTestCase

ALL_ON = {
    "comment_on_summary": "on",
    "reply_to_comment": "on",
    "comment_in_followed": "on",
    "summary_on_followed_paper": "on",
    "summary_of_claimed_paper": "on",
}


class NotificationSettingsTests(NotificationTestCase):
    def test_it_shows_the_defaults_to_a_member_without_settings(self):
        self.client.force_login(self.alice)
        r = self.client.get("/settings/notifications")
        self.assertContains(r, "New summaries of papers I follow")
        self.assertContains(r, 'value="daily" required id="id_email_mode_2" checked')
        self.assertFalse(NotificationSettings.objects.exists())

    def test_a_plain_post_saves_and_redirects(self):
        self.client.force_login(self.alice)
        data = {**ALL_ON, "email_mode": "immediate"}
        del data["comment_in_followed"]
        r = self.client.post("/settings/notifications", data)
        self.assertRedirects(
            r, "/settings/notifications", status_code=303, fetch_redirect_response=False
        )
        prefs = NotificationSettings.objects.get(user=self.alice)
        self.assertEqual(prefs.email_mode, "immediate")
        self.assertFalse(prefs.comment_in_followed)
        self.assertTrue(prefs.reply_to_comment)

    def test_a_json_post_answers_json(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            "/settings/notifications",
            {**ALL_ON, "email_mode": "off"},
            headers={"accept": "application/json"},
        )
        self.assertEqual(r.json()["email_mode"], "off")
        self.assertEqual(NotificationSettings.objects.get(user=self.alice).email_mode, "off")

    def test_a_bad_mode_is_refused_and_nothing_changes(self):
        self.set_mode(self.alice, "immediate")
        self.client.force_login(self.alice)
        r = self.client.post("/settings/notifications", {**ALL_ON, "email_mode": "hourly"})
        self.assertContains(r, "Select a valid choice", status_code=400)
        r = self.client.post(
            "/settings/notifications",
            {"email_mode": "weekly"},
            headers={"accept": "application/json"},
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("email_mode", r.json()["errors"])
        self.assertEqual(NotificationSettings.objects.get(user=self.alice).email_mode, "immediate")

    def test_each_member_changes_only_their_own(self):
        self.set_mode(self.alice, "immediate")
        self.client.force_login(self.bob)
        self.client.post("/settings/notifications", {"email_mode": "off"})
        self.assertEqual(NotificationSettings.objects.get(user=self.alice).email_mode, "immediate")
        self.assertEqual(NotificationSettings.objects.get(user=self.bob).email_mode, "off")

    def test_a_visitor_is_sent_to_log_in(self):
        for method in (self.client.get, self.client.post):
            r = method("/settings/notifications")
            self.assertEqual(r.status_code, 302)
            self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(NotificationSettings.objects.exists())

    def test_the_form_needs_a_csrf_token(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        r = client.post("/settings/notifications", {"email_mode": "off"})
        self.assertEqual(r.status_code, 403)
