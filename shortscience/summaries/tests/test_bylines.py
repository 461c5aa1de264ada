from __future__ import annotations

import re

from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary

BYLINE = re.compile(r'<span class="byline">(.*?)</span>', re.S)


class BylineTests(BaseTestCase):
    """Names are not unique, so a signed byline shows who it is: the @username on hover,
    and on the profile it links to. An anonymous one shows it nowhere."""

    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")
        self.signed = make_summary(self.paper, self.alice, "Signed text.")
        make_comment(self.signed, self.bob, "Bob's comment.")

    def viewers(self):
        for viewer in (None, self.alice, self.bob, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            yield viewer

    def test_a_signed_summarys_byline_shows_the_username_on_hover(self):
        for viewer in self.viewers():
            for url in (self.paper.get_absolute_url(), self.signed.get_absolute_url(), "/"):
                with self.subTest(viewer=viewer, url=url):
                    r = self.client.get(url, follow=True)
                    self.assertContains(
                        r, '<a href="/u/alice" title="@alice">Alice Aumann</a>', html=True
                    )

    def test_a_comments_byline_shows_the_username_on_hover(self):
        for viewer in self.viewers():
            with self.subTest(viewer=viewer):
                r = self.client.get(self.signed.get_absolute_url())
                self.assertContains(
                    r,
                    '<span class="byline"><a href="/u/bob" title="@bob">Bob Berners</a></span>',
                    html=True,
                )

    def test_an_anonymous_byline_carries_the_username_nowhere(self):
        paper = make_paper("Deep Residual Learning")
        anonymous = make_summary(paper, self.charlie, "Unsigned text.", is_anonymous=True)
        make_comment(anonymous, self.charlie, "The author answers.")
        for viewer in self.viewers():
            for url in (paper.get_absolute_url(), anonymous.get_absolute_url(), "/"):
                with self.subTest(viewer=viewer, url=url):
                    html = self.client.get(url, follow=True).content.decode()
                    bylines = BYLINE.findall(html) + re.findall(r"by (.*?) ·", html)
                    self.assertTrue(any("Anonymous" in b for b in bylines), bylines)
                    for byline in bylines:
                        if "Anonymous" in byline:
                            self.assertNotIn("charlie", byline)
                            self.assertNotIn("title=", byline)
                            self.assertNotIn("href=", byline)
                    if viewer != self.charlie:
                        self.assertNotIn("charlie", html.lower())

    def test_the_profile_shows_the_username_under_the_name(self):
        for viewer in self.viewers():
            with self.subTest(viewer=viewer):
                r = self.client.get("/u/alice")
                self.assertContains(r, "<h1>Alice Aumann</h1>", html=True)
                self.assertContains(r, '<span class="username">@alice</span>', html=True)
