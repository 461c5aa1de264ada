from __future__ import annotations

import xml.etree.ElementTree as ET
from unittest import mock

from django.test import override_settings

from shortscience.discovery.sitemaps import PaperSitemap
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ROOT = "https://shortscience.example"


@override_settings(SITE_ROOT=ROOT)
class SitemapTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need")

    def index(self) -> list[str]:
        r = self.client.get("/sitemap.xml")
        self.assertEqual(r.status_code, 200)
        root = ET.fromstring(r.content)  # noqa: S314 - our own output, in a test
        self.assertEqual(root.tag, f"{SM}sitemapindex")
        return [loc.text for loc in root.iter(f"{SM}loc")]

    def section(self, url: str) -> list[str]:
        r = self.client.get(url.removeprefix(ROOT))
        self.assertEqual(r.status_code, 200)
        root = ET.fromstring(r.content)  # noqa: S314 - our own output, in a test
        self.assertEqual(root.tag, f"{SM}urlset")
        return [loc.text for loc in root.iter(f"{SM}loc")]

    def all_urls(self) -> list[str]:
        return [url for section in self.index() for url in self.section(section)]

    def test_the_index_names_one_sitemap_per_section(self):
        self.assertEqual(
            self.index(),
            [
                f"{ROOT}/sitemap-papers.xml",
                f"{ROOT}/sitemap-venues.xml",
                f"{ROOT}/sitemap-users.xml",
            ],
        )

    def test_it_lists_papers_venues_and_members_with_public_signed_summaries(self):
        make_summary(self.paper, self.alice)
        self.assertEqual(
            sorted(self.all_urls()),
            sorted(
                [
                    ROOT + self.paper.get_absolute_url(),
                    f"{ROOT}/venues/conf/nips",
                    f"{ROOT}/u/alice",
                ]
            ),
        )

    def test_a_paper_without_a_public_summary_is_left_out(self):
        make_paper("Never summarised")
        make_summary(self.paper, self.alice, "Private.", visibility="private")
        self.assertEqual(self.all_urls(), [])

    def test_hidden_summaries_count_for_nothing(self):
        s = make_summary(self.paper, self.alice)
        update_summary(s, is_hidden=True)
        self.assertEqual(self.all_urls(), [])

    def test_an_anonymous_summary_lists_the_paper_but_not_its_author(self):
        make_summary(self.paper, self.alice, is_anonymous=True)
        urls = self.all_urls()
        self.assertIn(ROOT + self.paper.get_absolute_url(), urls)
        self.assertNotIn(f"{ROOT}/u/alice", urls)

    def test_a_big_section_is_split_into_pages(self):
        for _ in range(3):
            make_summary(make_paper(), self.alice)
        with mock.patch.object(PaperSitemap, "limit", 2):
            index = self.index()
            self.assertIn(f"{ROOT}/sitemap-papers.xml?p=2", index)
            self.assertEqual(len(self.section(f"{ROOT}/sitemap-papers.xml")), 2)
            self.assertEqual(len(self.section(f"{ROOT}/sitemap-papers.xml?p=2")), 1)

    def test_an_unknown_section_is_a_404(self):
        self.assertEqual(self.client.get("/sitemap-nope.xml").status_code, 404)

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(self.paper, self.alice)
        self.client.get("/sitemap-papers.xml")
        with self.assertNumQueries(2):
            self.client.get("/sitemap-papers.xml")
        for _ in range(4):
            make_summary(make_paper(), self.bob)
        with self.assertNumQueries(2):
            self.client.get("/sitemap-papers.xml")
