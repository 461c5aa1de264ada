"""Log in, sign up and log out: allauth's pages, in the site's layout and in the site's words
("Log in", "Sign up", "Log out", as in the header), not allauth's "Sign In"."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from shortscience.test import BaseTestCase


class EntrancePageTests(BaseTestCase):
    def assertInSiteLayout(self, r):
        self.assertContains(r, '<header class="site-header">')
        self.assertContains(r, '<link rel="stylesheet" href="/static/css/site.css">')
        self.assertContains(r, '<meta name="robots" content="noindex">')
        self.assertNotContains(r, "Sign In")
        self.assertNotContains(r, "Sign Up")

    def test_the_login_page_says_log_in_in_the_site_layout(self):
        r = self.client.get("/accounts/login/")
        self.assertEqual(r.status_code, 200)
        self.assertInSiteLayout(r)
        self.assertContains(r, "<title>Log in - ShortScience</title>", html=False)
        self.assertContains(r, "<h1>Log in</h1>", html=True)
        self.assertContains(r, '<button type="submit">Log in</button>', html=True)
        self.assertContains(r, '<label for="id_login">Username or email</label>', html=True)
        self.assertContains(r, '<label for="id_remember">Keep me logged in</label>', html=True)
        self.assertContains(r, '<a href="/accounts/signup/">Sign up</a>', html=True)

    def test_the_password_help_is_the_element_the_box_names(self):
        for url, box in (
            ("/accounts/login/", "id_password"),
            ("/accounts/signup/", "id_password1"),
        ):
            r = self.client.get(url)
            self.assertContains(r, f'aria-describedby="{box}_helptext"')
            self.assertContains(r, f'<div class="help" id="{box}_helptext">')

    def test_the_signup_page_says_sign_up_in_the_site_layout(self):
        r = self.client.get("/accounts/signup/")
        self.assertEqual(r.status_code, 200)
        self.assertInSiteLayout(r)
        self.assertContains(r, "<title>Sign up - ShortScience</title>", html=False)
        self.assertContains(r, "<h1>Sign up</h1>", html=True)
        self.assertContains(r, '<button type="submit">Sign up</button>', html=True)
        self.assertContains(r, '<a href="/accounts/login/">Log in</a>', html=True)
        # The honeypot stays out of sight.
        self.assertContains(r, '<p class="hp" aria-hidden="true">')

    def test_a_member_logs_in_through_the_restyled_form(self):
        EmailAddress.objects.create(
            user=self.alice, email=self.alice.email, verified=True, primary=True
        )
        r = self.client.post("/accounts/login/", {"login": "alice", "password": "password"})
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.alice.pk)

    def test_a_wrong_password_is_shown_on_the_restyled_form(self):
        r = self.client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'class="errorlist')
        self.assertContains(r, "<h1>Log in</h1>", html=True)

    def test_the_logout_confirmation_says_log_out(self):
        self.client.force_login(self.alice)
        r = self.client.get("/accounts/logout/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "<h1>Log out</h1>", html=True)
        self.assertNotContains(r, "Sign Out")
        self.client.post("/accounts/logout/")
        self.assertNotIn("_auth_user_id", self.client.session)
