"""Share links for private summaries, and publishing a draft."""

from __future__ import annotations

from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary

SECRET = "narwhal-private-marker"


class ShareLinkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Shared Paper")
        self.summary = make_summary(self.paper, self.alice, f"{SECRET} text", visibility="private")
        self.share_url = f"/summary/{self.summary.pk}/share"
        self.unshare_url = f"/summary/{self.summary.pk}/unshare"

    def _token(self) -> str:
        return Summary.objects.get(pk=self.summary.pk).share_token

    def test_the_owner_creates_a_share_link(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.share_url)
        self.assertRedirects(r, self.summary.get_absolute_url())
        token = self._token()
        self.assertGreaterEqual(len(token), 43)
        page = self.client.get(self.summary.get_absolute_url())
        self.assertContains(page, f"?share={token}")
        self.assertContains(page, "Revoke the share link")

    def test_creating_the_link_twice_keeps_the_first_token(self):
        self.client.force_login(self.alice)
        first = self.client.post(self.share_url, HTTP_ACCEPT="application/json").json()["url"]
        second = self.client.post(self.share_url, HTTP_ACCEPT="application/json").json()["url"]
        self.assertEqual(first, second)
        self.assertTrue(first.endswith(f"/summary/{self.summary.pk}?share={self._token()}"))

    def test_anyone_with_the_link_reads_the_private_summary_unindexed(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            with self.subTest(viewer=viewer):
                r = self.client.get(self.summary.get_absolute_url(), {"share": self._token()})
                self.assertContains(r, SECRET)
                self.assertContains(r, '<meta name="robots" content="noindex">')
                self.assertEqual(r["Referrer-Policy"], "no-referrer")
                self.assertNotContains(r, "Create a share link")
                self.assertNotContains(r, "Publish")

    def test_a_wrong_or_empty_token_is_a_404(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        self.client.logout()
        url = self.summary.get_absolute_url()
        for token in ("wrong", self._token()[:-1], "", "é" * 43):
            with self.subTest(token=token):
                self.assertEqual(self.client.get(url, {"share": token}).status_code, 404)

    def test_an_unshared_summary_cannot_be_opened_with_an_empty_token(self):
        r = self.client.get(self.summary.get_absolute_url(), {"share": ""})
        self.assertEqual(r.status_code, 404)

    def test_revoking_makes_old_links_404(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        token = self._token()
        r = self.client.post(self.unshare_url)
        self.assertRedirects(r, self.summary.get_absolute_url())
        self.assertEqual(self._token(), "")
        self.client.logout()
        r = self.client.get(self.summary.get_absolute_url(), {"share": token})
        self.assertEqual(r.status_code, 404)

    def test_a_revoked_link_is_not_served_from_the_page_cache(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        token = self._token()
        self.client.logout()
        self.client.cookies.clear()
        url = self.summary.get_absolute_url()
        with self.settings(PAGE_CACHE_SECONDS=600):
            for _ in range(2):
                r = self.client.get(url, {"share": token})
                self.assertContains(r, SECRET)
                self.assertIn("no-store", r["Cache-Control"])
                self.assertNotEqual(r.get("X-Cache"), "hit")
            update_summary(self.summary, share_token="")
            self.assertEqual(self.client.get(url, {"share": token}).status_code, 404)

    def test_revoking_answers_json_to_the_script(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        r = self.client.post(self.unshare_url, HTTP_ACCEPT="application/json")
        self.assertEqual(r.json(), {"url": None})
        self.assertEqual(self._token(), "")

    def test_a_hidden_summary_is_not_shared(self):
        self.client.force_login(self.alice)
        self.client.post(self.share_url)
        token = self._token()
        update_summary(self.summary, is_hidden=True)
        self.client.logout()
        r = self.client.get(self.summary.get_absolute_url(), {"share": token})
        self.assertEqual(r.status_code, 404)

    def test_another_member_cannot_share_or_revoke(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.share_url).status_code, 404)
        self.assertEqual(self._token(), "")
        update_summary(self.summary, share_token="t" * 43)
        self.assertEqual(self.client.post(self.unshare_url).status_code, 404)
        self.assertEqual(self._token(), "t" * 43)

    def test_an_anonymous_visitor_cannot_share(self):
        r = self.client.post(self.share_url)
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertEqual(self._token(), "")

    def test_a_public_summary_needs_no_share_link(self):
        public = make_summary(make_paper(), self.alice)
        self.client.force_login(self.alice)
        r = self.client.post(f"/summary/{public.pk}/share", HTTP_ACCEPT="application/json")
        self.assertEqual(r.status_code, 400)
        self.assertEqual(Summary.objects.get(pk=public.pk).share_token, "")

    def test_sharing_needs_a_post(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.share_url).status_code, 405)


class DraftTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Draft Paper")
        self.draft = make_summary(self.paper, self.alice, "draft text", visibility="private")
        self.publish_url = f"/summary/{self.draft.pk}/publish"

    def test_a_never_public_private_summary_is_a_draft_to_its_author(self):
        self.client.force_login(self.alice)
        r = self.client.get(self.draft.get_absolute_url())
        self.assertContains(r, "Draft</span>")
        self.assertContains(r, f'action="{self.publish_url}"')

    def test_a_summary_made_private_after_being_public_is_not_a_draft(self):
        summary = make_summary(make_paper(), self.alice, "was public")
        summary = make_summary(summary.paper, self.alice, "was public", visibility="private")
        self.client.force_login(self.alice)
        r = self.client.get(summary.get_absolute_url())
        self.assertNotContains(r, "Draft</span>")
        self.assertContains(r, "Publish</button>")

    def test_the_author_publishes_a_draft(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.publish_url)
        self.assertRedirects(r, self.draft.get_absolute_url())
        summary = Summary.objects.get(pk=self.draft.pk)
        self.assertEqual(summary.visibility, "public")
        self.assertEqual(summary.revisions.count(), 2)
        self.client.logout()
        self.assertContains(self.client.get(self.draft.get_absolute_url()), "draft text")

    def test_publishing_answers_json_to_the_script(self):
        self.client.force_login(self.alice)
        r = self.client.post(self.publish_url, HTTP_ACCEPT="application/json")
        self.assertEqual(r.json()["visibility"], "public")

    def test_another_member_cannot_publish_it_and_sees_no_draft(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.publish_url).status_code, 404)
        self.assertEqual(Summary.objects.get(pk=self.draft.pk).visibility, "private")

    def test_an_anonymous_visitor_cannot_publish_it(self):
        r = self.client.post(self.publish_url)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Summary.objects.get(pk=self.draft.pk).visibility, "private")

    def test_the_editor_says_what_is_stored_for_an_anonymous_summary(self):
        self.client.force_login(self.alice)
        r = self.client.get(f"/paper/{self.paper.pk}/summary/edit")
        self.assertContains(r, "stores the link to your account")
        self.assertContains(r, "never shown publicly")
