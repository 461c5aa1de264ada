"""The badge: an SVG with a paper's number of public summaries, by any identifier."""

from __future__ import annotations

from xml.etree import ElementTree

from django.conf import settings
from django.urls import reverse

from shortscience.test import BaseTestCase, make_paper, make_summary
from shortscience.web.tests.helpers import PageCacheTestCase

SVG = "{http://www.w3.org/2000/svg}"


def said(response) -> str:
    """What the badge says, from the parsed SVG (its title, which screen readers read)."""
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output, in a test
    return root.find(f"{SVG}title").text


class BadgeTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", identifiers={"arxiv": "1706.03762v5"})

    def badge(self, key: str):
        response = self.client.get(f"/badge/{key}.svg")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/svg+xml; charset=utf-8")
        return response

    def test_a_paper_without_a_summary_says_so_and_one_with_them_counts_them(self):
        self.assertEqual(said(self.badge("1706.03762")), "ShortScience: no summary yet")
        make_summary(self.paper, self.alice)
        self.assertEqual(said(self.badge("1706.03762")), "ShortScience: 1 summary")
        make_summary(self.paper, self.bob)
        make_summary(self.paper, self.charlie, visibility="private")
        self.assertEqual(said(self.badge("1706.03762")), "ShortScience: 2 summaries")

    def test_any_identifier_form_names_the_paper(self):
        make_summary(self.paper, self.alice)
        for key in (
            "1706.03762v5",
            "arxiv:1706.03762",
            "https://arxiv.org/abs/1706.03762",
            str(self.paper.pk),
        ):
            with self.subTest(key=key):
                self.assertEqual(said(self.badge(key)), "ShortScience: 1 summary")

    def test_an_unknown_paper_is_no_summary_yet_not_an_error(self):
        self.assertEqual(said(self.badge("2401.99999")), "ShortScience: no summary yet")
        self.assertEqual(said(self.badge("not an identifier")), "ShortScience: no summary yet")

    def test_browsers_and_proxies_revalidate_it_and_an_etag_answers_304(self):
        response = self.badge("1706.03762")
        self.assertEqual(response["Cache-Control"], "no-cache")
        again = self.client.get("/badge/1706.03762.svg", HTTP_IF_NONE_MATCH=response["ETag"])
        self.assertEqual(again.status_code, 304)

    def test_the_paper_page_offers_the_markdown_and_html_snippets(self):
        page = self.client.get(self.paper.get_absolute_url()).content.decode()
        root = settings.SITE_ROOT
        image = root + reverse("discovery:badge", args=[self.paper.pk])
        link = root + self.paper.get_absolute_url()
        self.assertIn(f"[![ShortScience summaries]({image})]({link})", page)
        self.assertIn(f'&lt;a href="{link}"&gt;&lt;img src="{image}"', page)


class BadgeFreshnessTests(PageCacheTestCase):
    def test_a_new_summary_and_a_newly_imported_paper_show_at_once(self):
        self.assertIn("no summary yet", said(self.client.get("/badge/1801.00001.svg")))
        paper = self.write(make_paper, "New", identifiers={"arxiv": "1801.00001"})
        self.write(make_summary, paper, self.alice)
        self.assertEqual(said(self.client.get("/badge/1801.00001.svg")), "ShortScience: 1 summary")
