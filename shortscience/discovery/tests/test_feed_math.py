"""Math in feeds: each formula once, as its MathML alone (issue 14).

A reader shows a feed without KaTeX's CSS, so KaTeX's HTML half would be a second copy of
every formula, and the heavier one.
"""

from __future__ import annotations

import re

from shortscience.discovery.feeds import FEED_LENGTH
from shortscience.discovery.tests.test_feeds import ATOM, FeedTestCase, entries, parse_atom
from shortscience.lib import markup
from shortscience.lib.markup.excerpt import mathml_only
from shortscience.summaries.models import Summary
from shortscience.test import make_paper, make_summary, update_summary

PROSE = "The bound trades reconstruction against the prior, and is tight when q is the posterior."
# Two inline formulas and one display formula around the same prose.
BODY = (
    "The bound $\\mathbb{E}_{q_\\phi(z\\mid x)}[\\log p_\\theta(x\\mid z)]$ trades "
    "reconstruction against the prior $D_{KL}(q\\|p)$, and is tight when q is the "
    "posterior.\n\n$$\\log p(x) \\ge \\mathcal{L}(\\theta, \\phi; x)$$\n"
)
TEX = [
    "\\mathbb{E}_{q_\\phi(z\\mid x)}[\\log p_\\theta(x\\mid z)]",
    "D_{KL}(q\\|p)",
    "\\log p(x) \\ge \\mathcal{L}(\\theta, \\phi; x)",
]
ANNOTATION = re.compile(r"<annotation\b.*?</annotation>", re.DOTALL)

# What one formula may add to a feed: its MathML, XML-escaped inside <content>. An
# ordinary formula's is well under 1 KB (these three: ~720 bytes each; the demo library's
# 253 formulas: 372 characters of MathML each on average). KaTeX's HTML half, which feeds
# no longer carry, is ~1.7 KB more per formula before escaping (the last test), so the
# bound fails if that half comes back.
BYTES_PER_FORMULA = 1024


def content(root) -> str:
    [entry] = entries(root)
    return entry.findtext(f"{ATOM}content")


class FeedMathTests(FeedTestCase):
    def test_each_formula_is_in_every_feed_once_as_mathml(self):
        make_summary(self.paper, self.alice, BODY)
        for url in ("/feed.atom", "/rss.xml", f"/feeds/paper/{self.paper.pk}", "/feeds/user/alice"):
            with self.subTest(url=url):
                html = content(parse_atom(self, self.client.get(url)))
                self.assertEqual(html.count("<math "), 3)
                self.assertEqual(html.count('display="block"'), 1)
                self.assertNotIn("katex-html", html)
                self.assertNotIn("aria-hidden", html)
                self.assertIn("trades reconstruction against the prior", html)
                # The TeX source only in each formula's annotation, where renderers hide it.
                self.assertEqual(len(ANNOTATION.findall(html)), 3)
                outside = ANNOTATION.sub("", html)
                for tex in TEX:
                    self.assertIn(tex, html)
                    self.assertNotIn(tex, outside)
                self.assertNotIn("\\mathbb", outside)

    def test_styled_letters_are_drawn_as_unicode_for_mathml_core(self):
        make_summary(self.paper, self.alice, BODY)
        html = content(parse_atom(self, self.client.get("/feed.atom")))
        # Chromium draws only mathvariant="normal": \mathbb{E} and \mathcal{L} as Unicode's.
        self.assertIn("\N{MATHEMATICAL DOUBLE-STRUCK CAPITAL E}", html)
        self.assertIn("\N{SCRIPT CAPITAL L}", html)
        self.assertNotIn('mathvariant="double-struck"', html)

    def test_a_formula_katex_refused_stays_as_the_page_shows_it(self):
        s = make_summary(self.paper, self.alice, "Broken $\\frac{$ here.")
        html = content(parse_atom(self, self.client.get("/feed.atom")))
        self.assertIn('class="katex-error"', s.body_html)
        self.assertEqual(html, s.body_html)

    def test_a_summary_without_math_is_its_stored_html(self):
        s = make_summary(
            self.paper, self.alice, "# Idea\n\nPlain **words**, a [link](https://a.example)."
        )
        html = content(parse_atom(self, self.client.get("/feed.atom")))
        self.assertEqual(html, s.body_html)

    def test_each_formula_adds_at_most_a_kilobyte_to_a_full_feed(self):
        summaries = [make_summary(make_paper(), self.alice, BODY) for _ in range(FEED_LENGTH)]
        r = self.client.get("/feed.atom")
        self.assertEqual(len(entries(parse_atom(self, r))), FEED_LENGTH)
        with_math = r.content
        plain = markup.render(PROSE).html  # the same words, no formula
        for s in summaries:
            update_summary(s, body_html=plain)
        without_math = self.client.get("/feed.atom").content
        formulas = FEED_LENGTH * len(TEX)
        self.assertEqual(with_math.count(b"&lt;math "), formulas)
        self.assertLess(len(with_math) - len(without_math), formulas * BYTES_PER_FORMULA)

    def test_the_bound_would_catch_katexs_html_coming_back(self):
        s = make_summary(self.paper, self.alice, BODY)
        stored = Summary.objects.get(pk=s.pk).body_html
        # What the feed left out is KaTeX's HTML: more per formula than the bound allows.
        dropped = len(stored) - len(mathml_only(stored))
        self.assertGreater(dropped, len(TEX) * BYTES_PER_FORMULA)


class MathmlOnlyTests(FeedTestCase):
    def test_it_keeps_everything_around_the_formulas(self):
        s = make_summary(self.paper, self.alice, "Before $x$ between\n\n$$y$$\n\nafter.")
        out = mathml_only(s.body_html)
        self.assertTrue(out.startswith("<p>Before <math "))
        self.assertIn("</math> between</p>", out)
        self.assertIn('<div class="math-display"><math xmlns', out)
        self.assertTrue(out.rstrip().endswith("<p>after.</p>"))
        self.assertNotIn("<span", out)
