"""Feeds never fail on stored text: a control character in a summary or a display name made
every feed showing it answer 500 (Django's XML writer refuses them) until it left the latest
30. The services clean what they store now (lib/text.py); rows from before, or written past
them, are cleaned by the feed itself."""

from __future__ import annotations

from shortscience.accounts.models import User
from shortscience.discovery.tests.test_feeds import ATOM, FeedTestCase, entries, parse_atom
from shortscience.lib.text import clean
from shortscience.papers.models import Author, Keyword, Paper, Venue
from shortscience.test import make_comment, make_summary, update_summary
from shortscience.web.tests.test_stored_text import DIRTY, storable


class StoredTextTests(FeedTestCase):
    def setUp(self):
        super().setUp()
        signed = make_summary(self.paper, self.alice, "Placeholder.")
        anonymous = make_summary(self.other, self.bob, "Placeholder.", is_anonymous=True)
        make_comment(signed, self.bob, "Placeholder.")
        # Every field a feed shows, written past the services, as old rows hold them.
        dirty = storable(DIRTY)
        for summary in (signed, anonymous):
            update_summary(
                summary,
                body=dirty,
                body_html=f"<p>{dirty}</p>",
                excerpt=dirty,
                excerpt_html=f"<p>{dirty}</p>",
                body_text=dirty,
            )
        signed.comments.update(body=dirty, body_html=f"<p>{dirty}</p>")
        Paper.objects.filter(pk=self.paper.pk).update(title="Attention\x01 Is All\x0b You Need")
        # A title with math is shown from its typeset HTML.
        Paper.objects.filter(pk=self.other.pk).update(
            title_html="<span>Deep\x01 Residual\ufffe</span>"
        )
        Author.objects.update(name="Ada\x01 Lovelace\x0b")
        Venue.objects.filter(key="conf/cvpr").update(name="CVPR\x0b\x85")
        Keyword.objects.filter(name="cs.CV").update(name="cs.CV\x01")
        User.objects.filter(pk=self.alice.pk).update(display_name="Alice\x01 Aumann\x0b")
        User.objects.filter(pk=self.bob.pk).update(display_name="Bob\x7f Berners\ufdd0")

    def test_every_feed_answers_well_formed_xml(self):
        for url in (
            "/feed.atom",
            "/rss.xml",
            f"/feeds/paper/{self.paper.pk}",
            f"/feeds/paper/{self.other.pk}",
            "/feeds/user/alice",
            "/feeds/venue/conf/nips",
            "/feeds/venue/conf/cvpr",
            "/feeds/keyword/cs.LG",
            "/feeds/keyword/cs.CV%01",
        ):
            with self.subTest(url=url):
                r = self.client.get(url)
                root = parse_atom(self, r)  # 200, parsed by a real XML parser
                self.assertTrue(entries(root))
                text = r.content.decode()
                self.assertEqual(clean(text), text)

    def test_each_field_is_shown_cleaned(self):
        root = parse_atom(self, self.client.get("/feed.atom"))
        titles = {e.findtext(f"{ATOM}title") for e in entries(root)}
        self.assertEqual(
            titles, {"Summary of Attention Is All You Need", "Summary of Deep Residual"}
        )
        bylines = {e.findtext(f"{ATOM}author/{ATOM}name") for e in entries(root)}
        self.assertEqual(bylines, {"Alice Aumann", "Anonymous"})
        for entry in entries(root):
            self.assertIn("Zebrafish swim in schools", entry.findtext(f"{ATOM}content"))
        feeds = {
            "/feeds/user/alice": "Summaries by Alice Aumann",
            "/feeds/venue/conf/cvpr": "Summaries of CVPR papers",
            "/feeds/keyword/cs.CV%01": "Summaries of papers in cs.CV",
            f"/feeds/paper/{self.paper.pk}": "Summaries of Attention Is All You Need",
        }
        for url, title in feeds.items():
            with self.subTest(url=url):
                root = parse_atom(self, self.client.get(url))
                self.assertEqual(root.findtext(f"{ATOM}title"), title)
