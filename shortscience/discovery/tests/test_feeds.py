from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

from django.test import override_settings
from django.utils import timezone

from shortscience.lib.markup.excerpt import mathml_only
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary

ATOM = "{http://www.w3.org/2005/Atom}"
ROOT = "https://shortscience.example"


def parse_atom(test, response) -> ET.Element:
    """The feed parsed by a real XML parser, with the elements RFC 4287 requires checked."""
    test.assertEqual(response.status_code, 200)
    test.assertEqual(response["Content-Type"], "application/atom+xml; charset=utf-8")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output, in a test
    test.assertEqual(root.tag, f"{ATOM}feed")
    test.assertEqual(root.get("{http://www.w3.org/XML/1998/namespace}base"), f"{ROOT}/")
    for name in ("id", "title", "updated"):
        test.assertTrue(root.findtext(f"{ATOM}{name}"), f"feed/{name} is missing")
    test.assertIsNotNone(root.find(f"{ATOM}link[@rel='self']"))
    datetime.fromisoformat(root.findtext(f"{ATOM}updated"))  # RFC 3339
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    test.assertEqual(len(ids), len(set(ids)), "entry ids must be unique")
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            test.assertTrue(entry.findtext(f"{ATOM}{name}"), f"entry/{name} is missing")
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        # RFC 4287 4.1.1: without a feed-level author, every entry names one.
        test.assertTrue(entry.findtext(f"{ATOM}author/{ATOM}name"))
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        test.assertTrue(link.get("href").startswith("https://shortscience.example/"))
        test.assertEqual(entry.find(f"{ATOM}content").get("type"), "html")
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


@override_settings(SITE_ROOT="https://shortscience.example")
class FeedTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")
        self.other = make_paper(
            "Deep Residual Learning",
            venue_key="conf/cvpr",
            venue_name="CVPR",
            keywords=["cs.CV"],
        )


class SiteFeedTests(FeedTestCase):
    def test_it_lists_recent_public_summaries_with_full_content(self):
        s = make_summary(self.paper, self.alice, "Alice explains $E=mc^2$ & more.")
        root = parse_atom(self, self.client.get("/feed.atom"))
        [entry] = entries(root)
        self.assertEqual(entry.findtext(f"{ATOM}title"), "Summary of Attention Is All You Need")
        self.assertEqual(entry.findtext(f"{ATOM}author/{ATOM}name"), "Alice Aumann")
        self.assertEqual(
            entry.findtext(f"{ATOM}author/{ATOM}uri"), "https://shortscience.example/u/alice"
        )
        self.assertEqual(
            entry.find(f"{ATOM}link").get("href"),
            f"https://shortscience.example/summary/{s.pk}",
        )
        # The stored HTML, each formula as its MathML alone (test_feed_math.py).
        self.assertEqual(entry.findtext(f"{ATOM}content"), mathml_only(s.body_html))
        self.assertIn("Alice explains <math ", entry.findtext(f"{ATOM}content"))
        self.assertEqual(entry.findtext(f"{ATOM}updated"), s.edited.isoformat())

    def test_the_newest_edit_comes_first_and_sets_the_feed_updated_time(self):
        old = make_summary(self.paper, self.alice, "Older.")
        new = make_summary(self.other, self.bob, "Newer.")
        update_summary(old, edited=timezone.now() - timedelta(days=3))
        root = parse_atom(self, self.client.get("/feed.atom"))
        links = [e.find(f"{ATOM}link").get("href") for e in entries(root)]
        self.assertEqual(links[0], f"https://shortscience.example/summary/{new.pk}")
        newest = entries(root)[0].findtext(f"{ATOM}updated")
        self.assertEqual(root.findtext(f"{ATOM}updated"), newest)

    def test_the_legacy_rss_address_serves_the_same_feed(self):
        make_summary(self.paper, self.alice)
        atom = parse_atom(self, self.client.get("/feed.atom"))
        legacy = parse_atom(self, self.client.get("/rss.xml"))
        self.assertEqual(atom.findtext(f"{ATOM}id"), legacy.findtext(f"{ATOM}id"))
        self.assertEqual(len(entries(atom)), len(entries(legacy)))

    def test_every_page_advertises_the_site_feed(self):
        self.assertContains(
            self.client.get("/venues"),
            '<link rel="alternate" type="application/atom+xml" title="ShortScience: recent '
            'summaries" href="/feed.atom">',
        )

    def test_an_empty_site_still_has_a_valid_feed(self):
        self.assertEqual(entries(parse_atom(self, self.client.get("/feed.atom"))), [])

    def test_it_never_shows_private_or_hidden_summaries(self):
        make_summary(self.paper, self.alice, "Secret private notes.", visibility="private")
        hidden = make_summary(self.other, self.bob, "Hidden by a moderator.")
        update_summary(hidden, is_hidden=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/feed.atom")
            self.assertEqual(entries(parse_atom(self, r)), [])
            self.assertNotContains(r, "Secret private notes")
            self.assertNotContains(r, "Hidden by a moderator")

    def test_an_anonymous_summary_names_no_one(self):
        make_summary(self.paper, self.alice, "Written in secret.", is_anonymous=True)
        r = self.client.get("/feed.atom")
        [entry] = entries(parse_atom(self, r))
        self.assertEqual(entry.findtext(f"{ATOM}author/{ATOM}name"), "Anonymous")
        self.assertIsNone(entry.find(f"{ATOM}author/{ATOM}uri"))
        self.assertNotContains(r, "alice")
        self.assertNotContains(r, "Alice")

    def test_a_hostile_title_stays_text(self):
        paper = make_paper("</title><script>alert(1)</script> & Co")
        make_summary(paper, self.alice)
        [entry] = entries(parse_atom(self, self.client.get("/feed.atom")))
        self.assertEqual(
            entry.findtext(f"{ATOM}title"), "Summary of </title><script>alert(1)</script> & Co"
        )

    def test_it_runs_the_same_number_of_queries_for_one_or_many_entries(self):
        make_summary(self.paper, self.alice)
        self.client.get("/feed.atom")  # the Sites framework caches its row
        with self.assertNumQueries(1):
            self.client.get("/feed.atom")
        for i in range(5):
            make_summary(make_paper(), self.bob, f"Summary {i}")
        with self.assertNumQueries(1):
            r = self.client.get("/feed.atom")
        self.assertEqual(len(entries(parse_atom(self, r))), 6)


class PaperFeedTests(FeedTestCase):
    def test_it_lists_the_public_summaries_of_one_paper(self):
        mine = make_summary(self.paper, self.alice, "On attention.")
        make_summary(self.other, self.bob, "On residuals.")
        make_summary(self.paper, self.charlie, "Private.", visibility="private")
        root = parse_atom(self, self.client.get(f"/feeds/paper/{self.paper.pk}"))
        self.assertEqual(root.findtext(f"{ATOM}title"), "Summaries of Attention Is All You Need")
        self.assertEqual(
            [e.find(f"{ATOM}link").get("href") for e in entries(root)],
            [f"https://shortscience.example/summary/{mine.pk}"],
        )
        self.assertEqual(
            root.find(f"{ATOM}link[@rel='self']").get("href"),
            f"https://shortscience.example/feeds/paper/{self.paper.pk}",
        )

    def test_an_unknown_paper_is_a_404(self):
        self.assertEqual(self.client.get("/feeds/paper/999999").status_code, 404)


class VenueFeedTests(FeedTestCase):
    def test_it_lists_summaries_of_the_venues_papers(self):
        mine = make_summary(self.paper, self.alice)
        make_summary(self.other, self.bob)
        root = parse_atom(self, self.client.get("/feeds/venue/conf/nips"))
        self.assertEqual(root.findtext(f"{ATOM}title"), "Summaries of NeurIPS papers")
        self.assertEqual(
            [e.find(f"{ATOM}link").get("href") for e in entries(root)],
            [f"https://shortscience.example/summary/{mine.pk}"],
        )

    def test_the_query_string_form_redirects_to_the_canonical_path(self):
        r = self.client.get("/feeds/venue?key=conf/nips")
        self.assertRedirects(r, "/feeds/venue/conf/nips", status_code=301)

    def test_an_unknown_venue_is_a_404(self):
        self.assertEqual(self.client.get("/feeds/venue/conf/nope").status_code, 404)
        self.assertEqual(self.client.get("/feeds/venue?key=conf/nope").status_code, 404)

    def test_it_never_shows_hidden_summaries(self):
        s = make_summary(self.paper, self.alice, "Hidden text.")
        update_summary(s, is_hidden=True)
        r = self.client.get("/feeds/venue/conf/nips")
        self.assertEqual(entries(parse_atom(self, r)), [])


class KeywordFeedTests(FeedTestCase):
    def test_it_lists_summaries_of_papers_with_the_keyword(self):
        make_summary(self.paper, self.alice)
        resnet = make_summary(self.other, self.bob)
        root = parse_atom(self, self.client.get("/feeds/keyword/cs.CV"))
        self.assertEqual(
            [e.find(f"{ATOM}link").get("href") for e in entries(root)],
            [f"https://shortscience.example/summary/{resnet.pk}"],
        )

    def test_a_combination_lists_papers_in_any_of_the_keywords_once(self):
        both = make_paper("Vision Transformers", keywords=["cs.LG", "cs.CV"])
        make_summary(self.paper, self.alice)
        make_summary(self.other, self.bob)
        make_summary(both, self.charlie)
        root = parse_atom(self, self.client.get("/feeds/keyword/cs.LG,cs.CV"))
        self.assertEqual(len(entries(root)), 3)
        self.assertEqual(root.findtext(f"{ATOM}title"), "Summaries of papers in cs.LG, cs.CV")

    def test_an_unknown_keyword_is_a_404(self):
        self.assertEqual(self.client.get("/feeds/keyword/cs.XX").status_code, 404)
        self.assertEqual(self.client.get("/feeds/keyword/cs.LG,cs.XX").status_code, 404)
        self.assertEqual(self.client.get("/feeds/keyword/,").status_code, 404)

    def test_it_never_shows_private_summaries(self):
        make_summary(self.paper, self.alice, "Private notes.", visibility="private")
        r = self.client.get("/feeds/keyword/cs.LG")
        self.assertEqual(entries(parse_atom(self, r)), [])


class UserFeedTests(FeedTestCase):
    def test_it_lists_a_members_public_signed_summaries(self):
        signed = make_summary(self.paper, self.alice, "Signed.")
        make_summary(self.other, self.bob, "Bob's.")
        root = parse_atom(self, self.client.get("/feeds/user/alice"))
        self.assertEqual(root.findtext(f"{ATOM}title"), "Summaries by Alice Aumann")
        self.assertEqual(
            [e.find(f"{ATOM}link").get("href") for e in entries(root)],
            [f"https://shortscience.example/summary/{signed.pk}"],
        )

    def test_anonymous_private_and_hidden_summaries_never_appear(self):
        make_summary(self.paper, self.alice, "Written anonymously.", is_anonymous=True)
        make_summary(self.other, self.alice, "Private notes.", visibility="private")
        hidden = make_summary(make_paper(), self.alice, "Hidden text.")
        update_summary(hidden, is_hidden=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/feeds/user/alice")
            self.assertEqual(entries(parse_atom(self, r)), [])
            self.assertNotContains(r, "Written anonymously")
            self.assertNotContains(r, "Private notes")
            self.assertNotContains(r, "Hidden text")

    def test_an_unknown_member_is_a_404(self):
        self.assertEqual(self.client.get("/feeds/user/nobody").status_code, 404)
