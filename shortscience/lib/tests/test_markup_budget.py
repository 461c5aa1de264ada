"""The CPU-time budget of a render (lib/markup/budget.py): a text that would cost more is
refused part way, not rendered; what a legitimate text costs stays far inside it.

The clock is faked where the test is about counting: each read of it moves it on by one
millisecond, so "cost" is the number of reads the work makes, the same on every machine.
"""

from __future__ import annotations

import gc
import itertools
from unittest import TestCase, mock

from shortscience.lib import markup
from shortscience.lib.markup import budget
from shortscience.lib.tests.markup_samples import typical_summary

# The hostile previews of issue 15, 100 KB each: 1.7 to 3.4 s of CPU without a budget.
HOSTILE = {
    "images": "![" * 50_000,
    "footnote refs": "[^" * 50_000,
    "brackets": "[" * 100_000,
    "emphasis": "*a" * 50_000,
    "dollars": "$x" * 50_000,
    "lines": "a\n" * 50_000,
}


def ticking_clock():
    """A CPU clock that moves on 1 ms every time it is read."""
    steps = itertools.count()
    return mock.patch.object(budget, "thread_time", side_effect=lambda: next(steps) / 1000)


class DeadlineTests(TestCase):
    def test_each_hostile_text_is_refused_part_way(self):
        for name, text in HOSTILE.items():
            with self.subTest(name), ticking_clock() as clock:
                with self.assertRaises(markup.TooCostly):
                    markup.render(text, budget=0.1)
                # ~100 reads of the clock at most: it stopped about when the budget ran
                # out, long before the end (the full parse reads it thousands of times).
                self.assertLess(clock.call_count, 150)

    def test_the_refusal_says_what_to_do(self):
        with ticking_clock(), self.assertRaises(markup.TooCostly) as caught:
            markup.render(HOSTILE["brackets"], budget=0.1)
        self.assertIn("would take too long to typeset", str(caught.exception))
        self.assertIn("split it or simplify it", str(caught.exception))

    def test_a_typical_summary_is_far_inside_the_budget(self):
        with ticking_clock() as clock:
            rendered = markup.render(typical_summary(), budget=0.1)
        self.assertIn('class="katex"', rendered.html)
        self.assertLess(clock.call_count, 30)

    def test_a_100_kb_summary_renders_within_the_default_budget(self):
        # The real clock: 60-70 ms of the default 200 measured on a busy machine. The heap
        # frozen as a served worker's is (wsgi.py): this process holds every test's objects.
        text = (typical_summary() * 28)[:100_000]
        gc.collect()
        gc.freeze()
        try:
            rendered = markup.render(text, budget=0.2)
        finally:
            gc.unfreeze()
        self.assertGreater(rendered.html.count('class="katex"'), 200)

    def test_the_time_spent_on_math_does_not_count(self):
        # KaTeX's answer may take a formula-heavy summary ~0.3 s to read back; that is
        # bounded by the number of formulas, not by the budget.
        def katex_reading_the_clock(items):
            for _ in range(200):  # 200 ms of the fake clock: four times the budget
                budget.thread_time()
            return ["<span>x</span>"] * len(items)

        with (
            ticking_clock(),
            mock.patch("shortscience.lib.katex.render_many", katex_reading_the_clock),
        ):
            rendered = markup.render("Some $x$ and $y$.", budget=0.05)
        self.assertIn("<span>x</span>", rendered.html)

    def test_without_a_budget_nothing_is_refused(self):
        with ticking_clock():
            markup.render("[" * 5_000)

    def test_an_abstract_over_the_budget_is_refused_and_plain_html_shows_its_text(self):
        text = "Costs $x$ and <b>bold</b> & more.\n\nSecond paragraph."
        with self.assertRaises(markup.TooCostly):
            markup.render_abstract(text, budget=1e-9)
        self.assertEqual(
            markup.plain_html(text),
            "<p>Costs $x$ and &lt;b&gt;bold&lt;/b&gt; &amp; more.</p>\n<p>Second paragraph.</p>",
        )

    def test_a_title_over_the_budget_is_refused(self):
        with self.assertRaises(markup.TooCostly):
            markup.render_title("Sparse Recovery with $\\ell_1$", budget=1e-9)

    def test_render_plain_gives_a_text_its_words_without_markup(self):
        rendered = markup.render_plain("A *text* with $x$ and <i>tags</i>.\n\n" + "word " * 100)
        self.assertTrue(rendered.html.startswith("<p>A *text* with $x$ and &lt;i&gt;tags"))
        self.assertTrue(rendered.excerpt.startswith("A *text* with $x$ and <i>tags</i>. word"))
        self.assertTrue(rendered.excerpt.endswith("…"))
        self.assertIn("&lt;i&gt;", rendered.excerpt_html)
        self.assertEqual(rendered.cite_keys, [])
        self.assertTrue(rendered.text.endswith("word"))
