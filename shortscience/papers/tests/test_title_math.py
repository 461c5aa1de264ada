"""Titles with math ($\\ell_1$): typeset wherever a page shows a title, plain text (the math
read out, never TeX or markup) in <title>, meta tags and emails."""

from __future__ import annotations

import json
import re
from io import StringIO
from types import SimpleNamespace

from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from shortscience.discovery.models import RelatedPaper
from shortscience.lib.records import PaperRecord
from shortscience.library.bulk import BulkWriter
from shortscience.papers.models import Paper
from shortscience.papers.services import rerender_title, typeset_title
from shortscience.test import BaseTestCase, make_paper, make_summary

TITLE = "Sparse Recovery with $\\ell_1$ Minimization"
TEXT = "Sparse Recovery with ℓ₁ Minimization"


def head_title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.DOTALL).group(1)


def meta(response, name: str) -> str:
    m = re.search(rf'<meta (?:name|property)="{name}" content="([^"]*)"', response.content.decode())
    return m.group(1)


class TitleMathTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper(TITLE)
        self.summary = make_summary(self.paper, self.alice, "It works with $\\ell_1$.")

    def assertTypeset(self, response, count: int | None = None):
        # KaTeX's output (HTML and MathML) in place of the TeX; the TeX only in the
        # MathML's annotation, which no reader sees.
        self.assertContains(response, 'Sparse Recovery with <span class="katex">', count=count)
        self.assertNotContains(response, "$\\ell_1$")

    def test_a_title_with_math_is_stored_typeset(self):
        self.assertIn("<math", self.paper.title_html)
        self.assertTrue(
            self.paper.title_html.startswith('Sparse Recovery with <span class="katex">')
        )
        self.assertEqual(self.paper.title_text, TEXT)

    def test_a_title_without_a_dollar_stores_nothing(self):
        paper = make_paper("Attention Is All You Need")
        self.assertEqual(paper.title_html, "")
        self.assertEqual(paper.title_display, "Attention Is All You Need")
        self.assertEqual(paper.title_text, "Attention Is All You Need")

    def test_an_escaped_dollar_is_a_dollar(self):
        paper = make_paper("The \\$1 Recognizer for $n$ Strokes")
        self.assertTrue(paper.title_html.startswith("The $1 Recognizer for <span"))
        self.assertEqual(paper.title_text, "The $1 Recognizer for n Strokes")

    def test_the_paper_page_typesets_its_h1_and_keeps_its_head_plain(self):
        r = self.client.get(self.paper.get_absolute_url())
        self.assertRegex(
            r.content.decode(),
            r'<h1 class="paper-title"><a [^>]*>Sparse Recovery with <span class="katex">',
        )
        self.assertEqual(head_title(r), f"{TEXT} - ShortScience")
        for name in ("og:title", "citation_title"):
            with self.subTest(name=name):
                self.assertEqual(meta(r, name), TEXT)
        ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', r.content.decode())
        self.assertEqual(json.loads(ld.group(1))["name"], TEXT)

    def test_the_summary_page_and_its_history_keep_their_head_plain(self):
        r = self.client.get(self.summary.get_absolute_url())
        self.assertEqual(head_title(r), f"Summary of {TEXT} - ShortScience")
        self.assertEqual(meta(r, "og:title"), f"Summary of {TEXT}")
        self.assertContains(r, 'Sparse Recovery with <span class="katex">')
        r = self.client.get(reverse("summaries:history", args=[self.summary.pk]))
        self.assertEqual(head_title(r), f"History of a summary of {TEXT} - ShortScience")
        self.assertContains(r, 'Sparse Recovery with <span class="katex">')

    def test_lists_typeset_it(self):
        for url in (
            reverse("discovery:year", args=[2017]),
            reverse("home:home"),
            reverse("members:profile", args=[self.alice.username]),
        ):
            with self.subTest(url=url):
                self.assertTypeset(self.client.get(url))

    def test_related_papers_typeset_it(self):
        other = make_paper("Compressed Sensing")
        RelatedPaper.objects.create(paper=other, related=self.paper, rank=0, score=0.5)
        r = self.client.get(other.get_absolute_url())
        self.assertContains(r, "Related papers")
        self.assertTypeset(r)

    def test_search_results_typeset_it_without_highlights(self):
        make_paper("Sparse Coding of Images")
        r = self.client.get(reverse("search:search"), {"q": "sparse"})
        self.assertTypeset(r, count=1)
        # Titles without math keep their highlighted words.
        self.assertContains(r, "<mark>Sparse</mark> Coding of Images")

    def test_the_add_page_typesets_a_new_record_and_an_existing_paper(self):
        self.client.force_login(self.bob)
        bibtex = (
            "@article{a, title={Sparse Recovery with {$\\ell_1$} Minimization}, author={Ada "
            "Lovelace}, year={2017}, doi={10.1234/sparse}}\n"
            "@article{b, title={Robust $k$-Means}, author={Charles Babbage}, year={2011}}"
        )
        r = self.client.post(reverse("library:add"), {"q": bibtex})
        self.assertContains(r, "Already in the library")
        self.assertContains(r, 'Sparse Recovery with <span class="katex">')
        self.assertContains(r, '<h3>Robust <span class="katex">')
        self.assertNotContains(r, "<h3>Robust $k$")

    def test_an_xss_attempt_in_a_title_stays_text(self):
        for title in (
            '<script>alert(1)</script> on $x$ <img src=x onerror="alert(2)">',
            "<b>No math</b>",
        ):
            with self.subTest(title=title):
                paper = make_paper(title)
                r = self.client.get(paper.get_absolute_url())
                self.assertNotContains(r, "<script>alert")
                self.assertNotContains(r, "<img src=x")
                self.assertNotContains(r, "<b>No math")
                self.assertContains(
                    r,
                    "&lt;script&gt;alert(1)&lt;/script&gt;"
                    if "$" in title
                    else "&lt;b&gt;No math&lt;/b&gt;",
                )
                # The head holds the text, escaped, as any title.
                self.assertNotIn("<", head_title(r))

    def test_notifications_name_the_title_as_text(self):
        from shortscience.notifications.models import Notification

        note = Notification(
            recipient=self.bob,
            kind=Notification.Kind.SUMMARY_ON_FOLLOWED_PAPER,
            paper=self.paper,
            summary=self.summary,
        )
        self.assertIn(f"\u201c{TEXT}\u201d", note.message())

    def test_lists_of_titles_with_math_ask_no_query_per_title(self):
        # The numbers of discovery's and search's own query-count tests: title_html is read
        # with the rows, never one by one.
        make_summary(make_paper("Robust $k$-Means for Sparse $\\ell_0$ Data"), self.bob, "Sparse.")
        with self.assertNumQueries(4):  # count, papers, authors, best summaries
            self.assertTypeset(self.client.get(reverse("discovery:year", args=[2017])))
        self.client.get(reverse("search:search"), {"q": "warm"})
        index_queries = 4 if connection.vendor == "sqlite" else 1
        with self.assertNumQueries(index_queries + 3):  # then papers, authors, summaries
            r = self.client.get(reverse("search:search"), {"q": "sparse"})
        self.assertContains(r, '<span class="katex">', count=3)  # k, ℓ₀ and ℓ₁


class TitleRerenderTests(BaseTestCase):
    def test_a_bulk_import_typesets_a_titles_math_in_its_batch(self):
        record = PaperRecord(
            title=TITLE,
            authors=["Ada Lovelace"],
            year=2010,
            source=Paper.Source.ARXIV,
            identifiers={"arxiv": "1001.00001"},
        )
        BulkWriter().write([record])
        self.assertEqual(Paper.objects.get().title_html, typeset_title(TITLE))
        self.assertIn("<math", Paper.objects.get().title_html)

    def test_a_title_left_by_a_bulk_import_without_typesetting_is_typeset_by_the_missing_abstracts_pass(
        self,
    ):
        record = PaperRecord(
            title=TITLE,
            authors=["Ada Lovelace"],
            abstract="We recover $x$.",
            year=2010,
            source=Paper.Source.ARXIV,
            identifiers={"arxiv": "1001.00001"},
        )
        plain = PaperRecord(
            title="Plain", authors=["Ada Lovelace"], year=2010, identifiers={"arxiv": "1001.00002"}
        )
        BulkWriter(typeset=False).write([record, plain])
        paper = Paper.objects.get(title=TITLE)
        self.assertEqual(paper.title_html, "")
        self.assertContains(
            self.client.get(paper.get_absolute_url()), "Sparse Recovery with $\\ell_1$"
        )
        call_command("rerender_markup", "--missing-abstracts", stdout=StringIO(), stderr=StringIO())
        paper.refresh_from_db()
        self.assertIn("<math", paper.title_html)
        self.assertEqual(Paper.objects.get(title="Plain").title_html, "")
        # The pages cached before it see the change (the pass says what it changed).
        r = self.client.get(paper.get_absolute_url())
        self.assertContains(r, 'Sparse Recovery with <span class="katex">')

    def test_rerender_title_writes_only_a_change(self):
        paper = make_paper(TITLE)
        self.assertFalse(rerender_title(paper).changed)
        Paper.objects.filter(pk=paper.pk).update(title_html="")
        paper.refresh_from_db()
        self.assertTrue(rerender_title(paper).changed)
        paper.refresh_from_db()
        self.assertIn("<math", paper.title_html)

    def test_an_import_from_the_papers_source_retypesets_a_changed_title(self):
        paper = make_paper(TITLE, identifiers={"arxiv": "1001.00003"})
        make_paper("Sparse Recovery, Revised", identifiers={"arxiv": "1001.00003"})
        paper.refresh_from_db()
        self.assertEqual((paper.title, paper.title_html), ("Sparse Recovery, Revised", ""))

    def test_the_admin_typesets_what_it_edits(self):
        paper = make_paper("Plain", abstract="Plain.")
        paper.title, paper.abstract = TITLE, "Now with $y$."
        paper_admin = admin.site._registry[Paper]
        request = RequestFactory().post("/admin/papers/paper/")
        form = SimpleNamespace(changed_data=["title", "abstract"])
        paper_admin.save_model(request, paper, form, change=True)
        paper.refresh_from_db()
        self.assertEqual(paper.title_text, TEXT)
        self.assertIn("<math", paper.abstract_html)
        paper.title = "Plain Again"
        paper_admin.save_model(request, paper, SimpleNamespace(changed_data=["title"]), True)
        paper.refresh_from_db()
        self.assertEqual(paper.title_html, "")
        self.assertIn("<math", paper.abstract_html)
