# ruff: noqa: RUF001 -- the expected values are the look-alike characters math is written in.
"""Excerpts (plain and typeset) and the plain text of a document: lib/markup/excerpt.py."""

from __future__ import annotations

import re
from unittest import TestCase

from shortscience.lib import markup
from shortscience.lib.tests.test_markup import VASWANI, formulas, tags_of


def outside_annotations(html: str) -> str:
    """The HTML without its MathML annotations (where KaTeX keeps each formula's TeX)."""
    return re.sub(r"<annotation\b.*?</annotation>", "", html, flags=re.S)


RICH_SUMMARY = r"""## Idea

The **model** learns $\mathbb{E}_{q_\phi(z\mid x)}[\log p(x \mid z)]$ at a cost of
$O(n^2 \cdot d)$, as in \cite{vaswani}; [the code](https://github.com/x/y) uses `torch.nn`.

- *amortized* inference
- a bound $\mathcal{L} \le \log p(x)$

$$
\frac{\partial \mathcal{L}}{\partial \theta}
$$

### Results
It works.[^1]

[^1]: A footnote with $x_i$.
"""


class ExcerptTests(TestCase):
    def render_rich(self) -> markup.Rendered:
        return markup.render(RICH_SUMMARY, resolve_cites=lambda keys: {"vaswani": VASWANI})

    def test_it_makes_a_plain_text_excerpt_with_math_as_text(self):
        r = markup.render("# Title\n\nWe show that *$x^2$* grows, see `code`.\n\n$$\ny\n$$\n\nEnd.")
        self.assertEqual(r.excerpt, "Title — We show that x² grows, see code. y End.")

    def test_the_plain_excerpt_has_no_tex_and_no_markdown_and_sets_headings_apart(self):
        excerpt = self.render_rich().excerpt
        self.assertTrue(excerpt.startswith("Idea — The model learns 𝔼_(qᵩ(z∣x))[log p(x∣z)] "))
        self.assertIn(
            "a cost of O(n²⋅d), as in Vaswani et al. 2017; the code uses torch.nn.", excerpt
        )
        self.assertIn(
            "amortized inference; a bound ℒ ≤ log p(x). ∂ℒ/∂θ Results — It works.", excerpt
        )
        for markup_text in ("$", "\\", "#", "**", "`", "[", "https://"):
            self.assertNotIn(markup_text, excerpt.replace("[log", "(log"))
        self.assertNotIn("footnote", excerpt)

    def test_the_html_excerpt_typesets_the_same_words_with_mathml(self):
        r = self.render_rich()
        self.assertEqual(r.excerpt_html.count("<math"), 4)
        self.assertEqual(
            formulas(r.excerpt_html),
            [
                "\\mathbb{E}_{q_\\phi(z\\mid x)}[\\log p(x \\mid z)]",
                "O(n^2 \\cdot d)",
                "\\mathcal{L} \\le \\log p(x)",
                "\\frac{\\partial \\mathcal{L}}{\\partial \\theta}",
            ],
        )
        # MathML alone (no KaTeX HTML), inline even for a display formula.
        self.assertNotIn("katex-html", r.excerpt_html)
        self.assertNotIn('display="block"', r.excerpt_html)
        text = outside_annotations(r.excerpt_html)
        for tex in ("$", "\\", "##", "**"):
            self.assertNotIn(tex, text)
        self.assertTrue(
            text.startswith("<strong>Idea</strong> — The <strong>model</strong> learns ")
        )
        self.assertIn("<code>torch.nn</code>", text)
        self.assertIn("<em>amortized</em> inference", text)
        self.assertNotIn("<a ", text)  # a list item is a link already; no link in a link

    def test_the_html_excerpt_is_sanitized(self):
        r = markup.render(
            "Hi <img src=x onerror=alert(1)> <script>alert(2)</script> <a href='javascript:alert(3)'>a</a> "
            "[b](javascript:alert(4)) &lt;script&gt;alert(5)&lt;/script&gt; "
            "$\\href{javascript:alert(6)}{x}$ <b onclick=alert(7)>bold</b>"
        )
        for bad in ("<img", "<script", "<a ", "alert(2)"):
            self.assertNotIn(bad, r.excerpt_html)
        self.assertIn("&lt;script&gt;alert(5)&lt;/script&gt;", r.excerpt_html)  # text, as written
        allowed = {"strong", "em", "code", "del", "span", "math", "semantics", "mrow", "mi"}
        allowed |= {"mo", "mn", "mtext", "mstyle", "annotation"}
        tags = tags_of(r.excerpt_html)
        self.assertLessEqual({tag for tag, _ in tags}, allowed)
        attributes = {name for _, attrs in tags for name in attrs}
        self.assertLessEqual(attributes, {"class", "xmlns", "mathcolor", "encoding", "mathvariant"})
        self.assertNotIn("alert(2)", r.excerpt)

    def test_list_items_and_headings_do_not_run_together(self):
        r = markup.render(
            "## Contributions\n\n- a new loss\n- a dataset\n\nWe show it.\n\n## Why?\nBecause."
        )
        self.assertEqual(
            r.excerpt, "Contributions — a new loss; a dataset. We show it. Why? Because."
        )

    def test_it_cuts_the_excerpt_between_words_and_never_inside_a_formula(self):
        text = "word " * 58 + "$a + b + c + d + e + f$ tail"
        r = markup.render(text)
        self.assertLessEqual(len(r.excerpt), 301)
        self.assertTrue(r.excerpt.endswith("word…"))
        self.assertNotIn("<math", r.excerpt_html)
        self.assertTrue(r.excerpt_html.endswith("word…"))
        long = markup.render("lorem ipsum " * 100).excerpt
        self.assertTrue(long.endswith("…"))
        self.assertLessEqual(len(long), 301)
        self.assertNotIn("ipsu…", long)

    def test_the_excerpt_counts_a_formula_by_its_text_not_its_tex(self):
        r = markup.render("word " * 50 + "$\\mathbb{E}_{q_\\phi}$ end")
        self.assertTrue(r.excerpt.endswith("𝔼_(qᵩ) end"))
        self.assertEqual(r.excerpt_html.count("<math"), 1)

    def test_it_leaves_footnotes_and_html_out_of_the_excerpt(self):
        r = markup.render("Body <b>bold</b>.[^1]\n\n[^1]: Footnote text.")
        self.assertEqual(r.excerpt, "Body bold.")
        self.assertEqual(r.excerpt_html, "Body bold.")

    def test_the_whole_text_has_everything_a_reader_can_find_and_no_markup(self):
        r = markup.render(
            RICH_SUMMARY + "\n```\nmodel.fit()\n```\n\n<div>raw words</div>\n",
            resolve_cites=lambda keys: {"vaswani": VASWANI},
        )
        self.assertIn("Idea — The model learns 𝔼_(qᵩ(z∣x))", r.text)
        self.assertIn("A footnote with xᵢ.", r.text)
        self.assertIn("model.fit()", r.text)
        self.assertIn("raw words", r.text)
        for markup_text in ("$", "\\", "#", "**", "`", "<div"):
            self.assertNotIn(markup_text, r.text)

    def test_a_formula_katex_refuses_shows_as_the_page_shows_it(self):
        r = markup.render("Broken $\\frac{1}{$ here.")
        self.assertIn('class="katex-error"', r.excerpt_html)
        self.assertEqual(r.excerpt, "Broken \\frac{1}{ here.")
