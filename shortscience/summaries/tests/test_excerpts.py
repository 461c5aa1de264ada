# ruff: noqa: RUF001 -- the expected values are the look-alike characters math is written in.
"""What lists, emails and search show of a summary: its excerpts and its text, stored at save."""

from __future__ import annotations

import io
import re

from django.core.management import call_command
from django.urls import reverse

from shortscience.discovery.queries import author_path
from shortscience.summaries import search_index
from shortscience.summaries.models import Summary, SummaryChange
from shortscience.test import BaseTestCase, make_paper, make_summary

BODY = r"""## Idea

The **model** learns $\mathbb{E}_{q_\phi(z\mid x)}[\log p(x \mid z)]$ by variational
inference at a cost of $O(n^2 \cdot d)$; see [the code](https://github.com/x/y) and `torch.nn`.

- amortized encoders
- a bound $\mathcal{L} \le \log p(x)$

$$
\frac{\partial \mathcal{L}}{\partial \theta}
$$
"""

# What a list must never show: TeX source and Markdown markup.
SOURCE = ("$", "\\", "##", "**", "`")


def without_annotations(html: str) -> str:
    """A page without its MathML annotations, where KaTeX keeps each formula's TeX for
    screen readers and copying (never drawn)."""
    return re.sub(r"<annotation\b.*?</annotation>", "", html, flags=re.S)


def excerpts(html: str) -> list[str]:
    """The excerpts and snippets a list page shows."""
    return re.findall(
        r'<p class="(?:excerpt|search-snippet)">(.*?)</p>'
        r'|<blockquote class="search-summary">(.*?)</blockquote>',
        html,
        re.S,
    )


class SavedExcerptTests(BaseTestCase):
    def test_a_save_stores_a_plain_excerpt_a_typeset_one_and_the_whole_text(self):
        summary = make_summary(make_paper(), self.alice, BODY)
        self.assertTrue(
            summary.excerpt.startswith("Idea — The model learns 𝔼_(qᵩ(z∣x))[log p(x∣z)] by")
        )
        for source in SOURCE:
            self.assertNotIn(source, summary.excerpt)
            self.assertNotIn(source, summary.body_text)
            self.assertNotIn(source, without_annotations(summary.excerpt_html))
        self.assertEqual(summary.excerpt_html.count("<math"), 4)
        self.assertIn("amortized encoders; a bound ℒ ≤ log p(x).", summary.body_text)

    def test_a_summary_with_an_xss_attempt_keeps_it_out_of_its_excerpt(self):
        summary = make_summary(
            make_paper(),
            self.alice,
            "Look <img src=x onerror=alert(1)> <script>alert(2)</script> **here**"
            " $\\href{javascript:alert(3)}{x}$",
        )
        for bad in ("<img", "onerror", "<script", "alert(2)", "<a "):
            self.assertNotIn(bad, summary.excerpt_html)
        r = self.client.get(reverse("members:profile", args=["alice"]))
        self.assertNotContains(r, "onerror")
        self.assertNotContains(r, "<script>alert")


class ListExcerptTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper(
            "Auto-Encoding Variational Bayes",
            abstract=r"We bound $\mathbb{E}_{q}[\log p(x)]$ with variational methods in $O(n)$.",
            keywords=["cs.LG", "stat.ML"],
        )
        self.summary = make_summary(self.paper, self.alice, BODY)

    def list_pages(self) -> dict[str, str]:
        author = self.paper.ordered_authors[0]
        return {
            "home": reverse("home:home"),
            "venue": self.paper.venue.get_absolute_url(),
            "year": reverse("discovery:year", args=[self.paper.year]),
            "keyword": reverse("discovery:keyword", args=["stat.ML"]),
            "author": author_path(author),
            "profile": reverse("members:profile", args=["alice"]),
            "search": reverse("search:search") + "?q=variational",
        }

    def test_no_list_shows_tex_or_markdown_in_its_excerpts(self):
        for name, url in self.list_pages().items():
            with self.subTest(page=name):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200)
                page = without_annotations(r.content.decode())
                shown = [text for pair in excerpts(page) for text in pair if text]
                self.assertTrue(shown, "the page shows an excerpt")
                for text in shown:
                    for source in SOURCE:
                        self.assertNotIn(source, text)
                self.assertNotIn("\\mathbb", page)
                self.assertNotIn("$O(", page)
                if name == "search":
                    # Snippets are text: the formulas as the excerpt reads them.
                    self.assertIn("𝔼_(qᵩ(z∣x))", page)
                    self.assertIn("𝔼_q[log p(x)]", page)
                else:
                    self.assertIn("<math", "".join(shown))
                    self.assertIn("<strong>Idea</strong> — The <strong>model</strong>", page)

    def test_a_row_saved_before_typeset_excerpts_shows_its_plain_excerpt(self):
        Summary.objects.filter(pk=self.summary.pk).update(
            excerpt="Idea: an <older> excerpt", excerpt_html=""
        )
        r = self.client.get(reverse("members:profile", args=["alice"]))
        self.assertContains(r, '<p class="excerpt">Idea: an &lt;older&gt; excerpt</p>', html=False)


class RerenderTests(BaseTestCase):
    def test_rerender_markup_fills_the_excerpts_and_the_index_of_older_rows(self):
        summary = make_summary(make_paper(), self.alice, BODY)
        # A row as saved before excerpt_html and body_text existed, indexed by its Markdown.
        Summary.objects.filter(pk=summary.pk).update(
            excerpt="Idea The model learns $\\mathbb{E}$", excerpt_html="", body_text=""
        )
        search_index.index_summaries([summary.pk])
        search = reverse("search:search")
        self.assertEqual(len(self.client.get(search, {"q": "mathbb"}).context["results"].hits), 1)
        SummaryChange.objects.all().delete()
        call_command("rerender_markup", stdout=io.StringIO(), stderr=io.StringIO())
        summary.refresh_from_db()
        self.assertIn("<math", summary.excerpt_html)
        self.assertTrue(summary.excerpt.startswith("Idea — The model learns 𝔼"))
        self.assertIn("amortized encoders", summary.body_text)
        self.assertTrue(SummaryChange.objects.filter(summary_id=summary.pk).exists())
        r = self.client.get(search, {"q": "amortized"})
        self.assertContains(r, "<mark>amortized</mark> encoders; a bound ℒ ≤ log p(x).")
        # The index holds the text now: a TeX command is no word of the summary.
        self.assertEqual(self.client.get(search, {"q": "mathbb"}).context["results"].hits, [])

    def test_a_second_run_changes_nothing(self):
        make_summary(make_paper(), self.alice, BODY)
        out = io.StringIO()
        call_command("rerender_markup", stdout=out, stderr=io.StringIO())
        self.assertIn("0 summaries", out.getvalue())
