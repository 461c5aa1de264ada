from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from shortscience.test import BaseTestCase, make_paper, make_summary

ROOT = "https://shortscience.example"


class _Head(HTMLParser):
    """The <meta> tags and JSON-LD blocks of a page, as a browser's parser reads them."""

    def __init__(self):
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.json_ld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and "content" in a:
            self.meta.append((a.get("name") or a.get("property") or "", a["content"]))
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(data)


def head(response) -> _Head:
    parser = _Head()
    parser.feed(response.content.decode())
    return parser


def values(parsed: _Head, name: str) -> list[str]:
    return [content for n, content in parsed.meta if n == name]


@override_settings(SITE_ROOT=ROOT)
class PaperMetaTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper(
            "Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
            abstract="The dominant   sequence models use $O(n^2)$\nattention. " + "More. " * 100,
            identifiers={"arxiv": "1706.03762v7", "doi": "10.5555/3295222.3295349"},
        )
        make_summary(self.paper, self.alice)

    def test_it_has_highwire_press_tags_for_google_scholar(self):
        parsed = head(self.client.get(self.paper.get_absolute_url()))
        self.assertEqual(values(parsed, "citation_title"), ["Attention Is All You Need"])
        self.assertEqual(
            values(parsed, "citation_author"), ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
        )
        self.assertEqual(values(parsed, "citation_publication_date"), ["2017/06/12"])
        self.assertEqual(values(parsed, "citation_date"), ["2017/06/12"])
        self.assertEqual(values(parsed, "citation_doi"), ["10.5555/3295222.3295349"])
        self.assertEqual(values(parsed, "citation_arxiv_id"), ["1706.03762"])
        self.assertEqual(values(parsed, "citation_pdf_url"), ["https://arxiv.org/pdf/1706.03762"])
        self.assertEqual(values(parsed, "citation_conference_title"), ["NeurIPS"])
        self.assertEqual(values(parsed, "citation_journal_title"), [])

    def test_a_journal_paper_names_its_journal(self):
        paper = make_paper(
            "A Journal Paper", venue_key="journals/jmlr", venue_name="JMLR", venue_kind="journal"
        )
        parsed = head(self.client.get(paper.get_absolute_url()))
        self.assertEqual(values(parsed, "citation_journal_title"), ["JMLR"])
        self.assertEqual(values(parsed, "citation_conference_title"), [])

    def test_a_paper_without_a_date_or_identifiers_leaves_those_tags_out(self):
        paper = make_paper(
            "Undated", published=None, year=None, identifiers={}, venue_key="", venue_name=""
        )
        parsed = head(self.client.get(paper.get_absolute_url()))
        for name in ("citation_date", "citation_doi", "citation_arxiv_id", "citation_pdf_url"):
            self.assertEqual(values(parsed, name), [], name)
        self.assertNotIn("datePublished", json.loads(parsed.json_ld[0]))

    def test_it_has_opengraph_tags_with_a_plain_short_description(self):
        parsed = head(self.client.get(self.paper.get_absolute_url()))
        self.assertEqual(values(parsed, "og:type"), ["article"])
        self.assertEqual(values(parsed, "og:title"), ["Attention Is All You Need"])
        self.assertEqual(values(parsed, "og:url"), [ROOT + self.paper.get_absolute_url()])
        [description] = values(parsed, "og:description")
        self.assertTrue(
            description.startswith("The dominant sequence models use $O(n^2)$ attention.")
        )
        self.assertLessEqual(len(description), 300)
        self.assertTrue(description.endswith("…"))

    def test_it_has_a_json_ld_scholarly_article(self):
        parsed = head(self.client.get(self.paper.get_absolute_url()))
        [block] = parsed.json_ld
        article = json.loads(block)
        self.assertEqual(article["@type"], "ScholarlyArticle")
        self.assertEqual(article["name"], "Attention Is All You Need")
        self.assertEqual(
            [a["name"] for a in article["author"]],
            ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
        )
        self.assertEqual(article["datePublished"], "2017-06-12")
        self.assertEqual(article["url"], ROOT + self.paper.get_absolute_url())
        self.assertEqual(
            {(i["propertyID"], i["value"]) for i in article["identifier"]},
            {("DOI", "10.5555/3295222.3295349"), ("arXiv", "1706.03762")},
        )
        self.assertTrue(article["abstract"].startswith("The dominant sequence models"))

    def test_a_hostile_title_cannot_break_out_of_any_tag(self):
        hostile = '</script><script>alert(1)</script>"><img src=x onerror=alert(2)> & <!--'
        paper = make_paper(hostile, abstract=hostile, authors=[hostile])
        r = self.client.get(paper.get_absolute_url())
        html = r.content.decode()
        self.assertNotIn("<script>alert(1)", html)
        self.assertNotIn("<img src=x", html)
        parsed = head(r)
        self.assertEqual(values(parsed, "citation_title"), [hostile])
        self.assertEqual(values(parsed, "citation_author"), [hostile])
        self.assertEqual(values(parsed, "og:title"), [hostile])
        # The JSON-LD is still one block that parses back to the title.
        [block] = parsed.json_ld
        self.assertEqual(json.loads(block)["name"], hostile)
        self.assertEqual(len(re.findall(r"<script", html)), len(re.findall(r"</script>", html)))

    def test_a_paper_without_a_public_summary_is_not_indexed(self):
        paper = make_paper("Not yet summarised")
        make_summary(paper, self.alice, "Private.", visibility="private")
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(paper.get_absolute_url())
            self.assertContains(r, '<meta name="robots" content="noindex">', count=1)

    def test_a_paper_with_a_public_summary_is_indexed(self):
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.paper.get_absolute_url())
            self.assertNotContains(r, "noindex")

    def test_it_links_the_feed_and_the_bibtex_export(self):
        r = self.client.get(self.paper.get_absolute_url())
        self.assertContains(r, f'href="/feeds/paper/{self.paper.pk}"')
        self.assertContains(r, f'href="/paper/{self.paper.pk}/bibtex"')

    def test_the_tags_add_no_query_to_the_paper_page(self):
        url = self.paper.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as queries:
            self.client.get(url)
        # paper; its authors, keywords and identifiers in one statement; summaries (what the
        # page loaded before), and the related papers below the summaries; none for the tags
        # in the head.
        self.assertEqual(len(queries), 4)
        self.assertIn("discovery_relatedpaper", queries[-1]["sql"])


@override_settings(SITE_ROOT=ROOT)
class SummaryOpenGraphTests(BaseTestCase):
    def test_a_public_summary_page_has_opengraph_tags(self):
        paper = make_paper("Attention Is All You Need")
        s = make_summary(paper, self.alice, "Attention replaces recurrence.")
        parsed = head(self.client.get(s.get_absolute_url()))
        self.assertEqual(values(parsed, "og:title"), ["Summary of Attention Is All You Need"])
        self.assertEqual(values(parsed, "og:url"), [f"{ROOT}/summary/{s.pk}"])
        self.assertEqual(values(parsed, "og:description"), ["Attention replaces recurrence."])

    def test_a_private_summary_page_has_none(self):
        paper = make_paper()
        s = make_summary(paper, self.alice, "Private notes.", visibility="private")
        self.client.force_login(self.alice)
        parsed = head(self.client.get(s.get_absolute_url()))
        self.assertEqual(values(parsed, "og:description"), [])
        self.assertEqual(values(parsed, "og:title"), [])
