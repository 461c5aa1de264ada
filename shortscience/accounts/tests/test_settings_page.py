from __future__ import annotations

from shortscience.test import BaseTestCase


class SettingsPageTests(BaseTestCase):
    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.get("/settings")
        self.assertRedirects(r, "/accounts/login/?next=/settings", fetch_redirect_response=False)
        r = self.client.post("/settings", {"display_name": "X"})
        self.assertEqual(r.status_code, 302)
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice Aumann")

    def test_it_shows_the_form_and_the_account_links(self):
        self.client.force_login(self.alice)
        r = self.client.get("/settings")
        self.assertContains(r, 'value="Alice Aumann"')
        self.assertContains(r, "/accounts/password/change/")
        self.assertContains(r, "/accounts/email/")
        self.assertContains(r, "/accounts/3rdparty/")
        self.assertContains(r, 'href="/settings/notifications"')
        self.assertContains(r, 'action="/settings/export"')
        self.assertContains(r, 'href="/settings/delete"')

    def test_it_saves_the_profile_and_stores_a_bare_orcid(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            "/settings",
            {
                "display_name": "Alice A.",
                "bio": "Game theory.",
                "orcid": "https://orcid.org/0000-0002-1825-0097",
            },
        )
        self.assertRedirects(r, "/settings")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice A.")
        self.assertEqual(self.alice.bio, "Game theory.")
        self.assertEqual(self.alice.orcid, "0000-0002-1825-0097")

    def test_it_refuses_a_bad_orcid_and_changes_nothing(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            "/settings",
            {"display_name": "Changed", "bio": "", "orcid": "0000-0002-1825-0098"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "check digit")
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice Aumann")
        self.assertEqual(self.alice.orcid, "")

    def test_it_changes_only_the_logged_in_members_profile(self):
        self.client.force_login(self.charlie)
        self.client.post("/settings", {"display_name": "Charlie C", "bio": "", "orcid": ""})
        self.alice.refresh_from_db()
        self.charlie.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice Aumann")
        self.assertEqual(self.charlie.display_name, "Charlie C")

    def test_the_form_needs_a_csrf_token(self):
        self.client.force_login(self.alice)
        self.client.handler.enforce_csrf_checks = True
        r = self.client.post("/settings", {"display_name": "X", "bio": "", "orcid": ""})
        self.assertEqual(r.status_code, 403)

    def test_the_navigation_links_to_settings_profile_and_members(self):
        self.client.force_login(self.alice)
        r = self.client.get("/")
        self.assertContains(r, 'href="/settings"')
        self.assertContains(r, 'href="/u/alice"')
        self.assertContains(r, 'href="/users"')

    def test_it_says_whether_the_orcid_is_proven_by_an_orcid_log_in(self):
        from allauth.socialaccount.models import SocialAccount

        self.alice.orcid = "0000-0002-1825-0097"
        self.alice.save()
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/settings"), "Log in with ORCID")
        SocialAccount.objects.create(user=self.alice, provider="orcid", uid=self.alice.orcid)
        self.assertContains(self.client.get("/settings"), "Proven by your ORCID log-in")

    def test_the_linked_accounts_page_renders_in_the_site_layout(self):
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/3rdparty/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'class="site-header"')
