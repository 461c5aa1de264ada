from __future__ import annotations

from shortscience.moderation import services
from shortscience.moderation.tests.helpers import ModerationTestCase, make_comment
from shortscience.moderation.views import LOG_PAGE_SIZE
from shortscience.test import make_paper, make_summary


class PublicLogTests(ModerationTestCase):
    url = "/moderation/log"

    def test_anyone_sees_moderator_action_target_and_reason(self):
        services.hide(moderator=self.bob, target=self.summary, reason="Advertising.")
        services.ban(moderator=self.bob, user=self.charlie, reason="Spam links.")
        for user in (None, self.alice, self.charlie):
            if user:
                self.client.force_login(user)
            r = self.client.get(self.url)
            self.assertContains(r, "Bob Berners")
            self.assertContains(r, "Hid")
            self.assertContains(r, "Attention Is All You Need")
            self.assertContains(r, "Advertising.")
            self.assertContains(r, "Banned")
            self.assertContains(r, "Spam links.")

    def test_it_shows_no_private_text_nor_anonymous_authorship(self):
        private = make_summary(
            make_paper("Unpublished Idea"), self.alice, "my secret draft", visibility="private"
        )
        anon = make_summary(make_paper("Touchy Topic"), self.alice, "anon text", is_anonymous=True)
        by_charlie, by_alice = make_comment(anon, self.charlie), make_comment(anon, self.alice)
        services.hide(moderator=self.bob, target=private, reason="Test of a private one.")
        services.hide(moderator=self.bob, target=anon, reason="Test of an anonymous one.")
        services.delete(moderator=self.bob, target=by_charlie, reason="Off-topic.")
        # The anonymous writer commenting under her own summary stays anonymous in the log.
        services.hide(moderator=self.bob, target=by_alice, reason="Rude.")
        r = self.client.get(self.url)
        html = r.content.decode()
        for leak in ("my secret draft", "Unpublished Idea", "anon text", "Alice", "alice"):
            self.assertNotIn(leak, html)
        self.assertIn("A private summary", html)
        self.assertIn("Summary of \u201cTouchy Topic\u201d", html)

    def test_it_is_paginated_in_a_fixed_number_of_queries(self):
        services.hide(moderator=self.bob, target=self.summary, reason="One.")
        with self.assertNumQueries(2):
            self.client.get(self.url)
        for i in range(LOG_PAGE_SIZE + 5):
            services.restore(moderator=self.bob, target=self.summary, reason=f"r{i}")
        with self.assertNumQueries(2):
            r = self.client.get(self.url)
        self.assertContains(r, "page 1 of 2")
        self.assertContains(self.client.get(self.url + "?page=2"), "One.")


class LabelTests(ModerationTestCase):
    def test_a_label_names_a_title_with_math_as_text_not_tex(self):
        paper = make_paper("Sparse Recovery with $\\ell_1$ Minimization")
        label = services.target_label(make_summary(paper, self.alice, "A summary."))
        self.assertIn("\N{SCRIPT SMALL L}", label)
        self.assertNotIn("$", label)
        self.assertNotIn("\\ell", label)
