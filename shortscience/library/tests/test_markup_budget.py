"""An import never fails for what its abstract or title would cost to typeset: over the
markup budget (settings.MARKUP_BUDGET_SECONDS), the paper is saved with the text as plain
text, escaped."""

from __future__ import annotations

from shortscience.library.services import upsert_paper
from shortscience.library.tests.test_upsert_and_merge import arxiv_record
from shortscience.test import BaseTestCase

# A budget nothing fits in: every text is over it, whatever the machine.
NO_BUDGET = 1e-9
ABSTRACT = "Costs <b>$x$</b> & more.\n\nA second paragraph."


class ImportOverTheBudgetTests(BaseTestCase):
    def test_an_abstract_over_the_budget_is_saved_as_its_text(self):
        with self.settings(MARKUP_BUDGET_SECONDS=NO_BUDGET):
            paper, status = upsert_paper(arxiv_record(abstract=ABSTRACT))
        self.assertEqual(status, "created")
        self.assertEqual(paper.abstract, ABSTRACT)
        self.assertEqual(
            paper.abstract_html,
            "<p>Costs &lt;b&gt;$x$&lt;/b&gt; &amp; more.</p>\n<p>A second paragraph.</p>",
        )
        r = self.client.get(paper.get_absolute_url())
        self.assertContains(r, "Costs &lt;b&gt;$x$&lt;/b&gt; &amp; more.")

    def test_a_title_over_the_budget_is_shown_as_its_text(self):
        with self.settings(MARKUP_BUDGET_SECONDS=NO_BUDGET):
            paper, _ = upsert_paper(arxiv_record(title="Sparse Recovery with $\\ell_1$ <i>x</i>"))
        self.assertEqual(paper.title_html, "")
        self.assertEqual(
            str(paper.title_display), "Sparse Recovery with $\\ell_1$ &lt;i&gt;x&lt;/i&gt;"
        )

    def test_within_the_budget_the_abstracts_math_is_typeset(self):
        paper, _ = upsert_paper(arxiv_record(abstract="Costs $x^2$."))
        self.assertIn('class="katex"', paper.abstract_html)
