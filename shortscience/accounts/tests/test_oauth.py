from __future__ import annotations

from django.test import SimpleTestCase, TestCase, override_settings

from shortscience.accounts.oauth import social_providers
from shortscience.test import make_user

ORCID = "0000-0002-1825-0097"


class SocialProvidersSettingTests(SimpleTestCase):
    def test_no_credentials_enable_no_provider(self):
        self.assertEqual(social_providers({}), {})

    def test_a_provider_needs_both_its_client_id_and_its_secret(self):
        self.assertEqual(social_providers({"GITHUB_CLIENT_ID": "id"}), {})
        self.assertEqual(social_providers({"GITHUB_SECRET": "s", "GOOGLE_CLIENT_ID": " "}), {})

    def test_each_configured_provider_gets_an_app(self):
        providers = social_providers(
            {
                "ORCID_CLIENT_ID": "APP-1",
                "ORCID_SECRET": "o-secret",
                "GOOGLE_CLIENT_ID": "g-id",
                "GOOGLE_SECRET": "g-secret",
            }
        )
        self.assertEqual(set(providers), {"orcid", "google"})
        self.assertEqual(providers["orcid"]["APP"]["client_id"], "APP-1")
        self.assertEqual(providers["orcid"]["APP"]["secret"], "o-secret")
        self.assertFalse(providers["orcid"]["MEMBER_API"])


class LoginPageProviderButtonsTests(TestCase):
    def test_the_login_page_shows_no_provider_button_when_none_is_configured(self):
        with override_settings(SOCIALACCOUNT_PROVIDERS=social_providers({})):
            r = self.client.get("/accounts/login/")
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "/accounts/github/login/")
        self.assertNotContains(r, "/accounts/orcid/login/")

    def test_the_login_page_shows_a_button_for_each_configured_provider(self):
        env = {"GITHUB_CLIENT_ID": "gh", "GITHUB_SECRET": "s", "ORCID_CLIENT_ID": "o"}
        with override_settings(SOCIALACCOUNT_PROVIDERS=social_providers(env)):
            r = self.client.get("/accounts/login/")
        self.assertContains(r, "/accounts/github/login/")
        self.assertContains(r, "GitHub")
        self.assertNotContains(r, "/accounts/orcid/login/")
        self.assertNotContains(r, "/accounts/google/login/")


class LoginPageAllProvidersTests(TestCase):
    def test_the_login_and_sign_up_pages_show_all_three_when_all_are_configured(self):
        env = {
            f"{p}_{k}": "x" for p in ("ORCID", "GITHUB", "GOOGLE") for k in ("CLIENT_ID", "SECRET")
        }
        with override_settings(SOCIALACCOUNT_PROVIDERS=social_providers(env)):
            for url in ("/accounts/login/", "/accounts/signup/"):
                r = self.client.get(url)
                for provider in ("orcid", "github", "google"):
                    with self.subTest(url=url, provider=provider):
                        self.assertContains(r, f"/accounts/{provider}/login/")


class OrcidLoginFillsTheProfileTests(TestCase):
    def _sociallogin(self, user, provider: str, uid: str):
        from types import SimpleNamespace

        return SimpleNamespace(user=user, account=SimpleNamespace(provider=provider, uid=uid))

    def test_linking_an_orcid_account_stores_its_proven_id(self):
        from allauth.socialaccount.signals import social_account_added

        user = make_user("ida")
        social_account_added.send(
            sender=None, request=None, sociallogin=self._sociallogin(user, "orcid", ORCID)
        )
        user.refresh_from_db()
        self.assertEqual(user.orcid, ORCID)

    def test_signing_up_with_github_leaves_the_orcid_alone(self):
        from allauth.account.signals import user_signed_up

        user = make_user("jo")
        user_signed_up.send(
            sender=None, request=None, user=user, sociallogin=self._sociallogin(user, "github", "1")
        )
        user.refresh_from_db()
        self.assertEqual(user.orcid, "")
