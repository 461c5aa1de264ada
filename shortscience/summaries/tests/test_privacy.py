"""Private text and anonymous authorship never appear on any surface that exists for others."""

from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary

PRIVATE_TEXT = "zebra-private-marker"
ANONYMOUS_TEXT = "okapi-anonymous-marker"


class PrivacyWalkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Privacy Walk Paper")
        self.private = make_summary(
            self.paper, self.alice, f"{PRIVATE_TEXT} notes.", visibility="private"
        )
        self.anonymous = make_summary(
            self.paper, self.bob, f"{ANONYMOUS_TEXT} text.", is_anonymous=True
        )

    def surfaces(self):
        yield "/"
        yield self.paper.get_absolute_url()
        yield self.anonymous.get_absolute_url()
        yield f"/summary/{self.anonymous.pk}/history"
        yield self.private.get_absolute_url()
        yield f"/summary/{self.private.pk}/source"
        yield f"/summary/{self.private.pk}/history"

    def test_no_surface_shows_private_text_or_an_anonymous_author_to_others(self):
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            for url in self.surfaces():
                with self.subTest(url=url, viewer=viewer):
                    html = self.client.get(url, follow=True).content.decode()
                    self.assertNotIn(PRIVATE_TEXT, html)
                    self.assertNotIn("Bob Berners", html)
                    self.assertNotIn("bob", html.lower().replace("bob's", ""))

    def test_the_anonymous_summary_is_readable_but_unsigned(self):
        html = self.client.get(self.paper.get_absolute_url()).content.decode()
        self.assertIn(ANONYMOUS_TEXT, html)
        self.assertIn("Anonymous", html)

    def test_the_legacy_author_parameter_does_not_confirm_an_anonymous_author(self):
        r = self.client.get(
            "/paper", {"bibtexKey": self.paper.identifiers.first().value, "a": "bob"}
        )
        self.assertRedirects(r, self.paper.get_absolute_url(), status_code=301)
