from __future__ import annotations

import json
import random
import re
import unittest
from pathlib import Path
from unittest import TestCase, mock

from shortscience.lib import katex, markup
from shortscience.lib.markup import sanitize
from shortscience.lib.markup.sanitize import (
    MATH_MAX_DISPLAY_EM,
    MATH_MAX_INLINE_EM,
    MATH_MAX_OFFSET_EM,
    clamp_math_lengths,
)

KATEX_CATALOGUE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "testdata"
    / "math"
    / "katex"
    / "ss_data_expressions.json"
)
_DECLARATION = re.compile(r"([a-z-]+):([^;\"]*)")
_EM = re.compile(r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|-?Infinity)em")


def lengths(html: str) -> list[tuple[str, float]]:
    """(property, em) for every em length in the HTML's style attributes."""
    found = []
    for style in re.findall(r'\sstyle="([^"]*)"', html):
        for prop, value in _DECLARATION.findall(style):
            found += [(prop, float(n)) for n in _EM.findall(value)]
    return found


def widest(html: str, *, offsets: bool) -> float:
    """The largest |em| among sideways moves (offsets) or among every other length."""
    return max(
        (abs(em) for prop, em in lengths(html) if prop.startswith("margin") == offsets),
        default=0.0,
    )


class MathLengthTests(TestCase):
    def test_a_huge_negative_kern_no_longer_pulls_the_text_across_the_page(self):
        for tex in (
            r"a\kern-500em b",
            r"a\hspace{-500em} b",
            r"a\mkern-9000mu b",
            r"a\mskip-9000mu b",
            r"a\hskip-500ex b",
            r"a\kern-5000pt b",
            r"a\kern-5000px b",
            r"a\kern-99999999999999999999999em b",
            "a\\kern-" + "9" * 400 + "em b",  # -Infinity, to KaTeX
        ):
            with self.subTest(tex):
                html = markup.render(f"Text ${tex}$ text.").html
                self.assertIn("margin-right:-10em", html)
                self.assertEqual(widest(html, offsets=True), MATH_MAX_OFFSET_EM)

    def test_a_huge_rule_or_raised_box_in_inline_math_stays_within_katexs_max_size(self):
        for tex in (
            r"\rule{1000em}{1000em}",
            r"\rule[-500em]{1em}{1em}",
            r"\raisebox{-500em}{x}",
            r"\raisebox{500em}{x}",
            r"\smash{\raisebox{-500em}{x}}",
            r"a\hspace{500em}b",
        ):
            with self.subTest(tex):
                html = markup.render(f"${tex}$").html
                self.assertLessEqual(widest(html, offsets=False), MATH_MAX_INLINE_EM)
                self.assertLessEqual(widest(html, offsets=True), MATH_MAX_OFFSET_EM)
                self.assertNotIn("500em", html.split('<span class="katex-html"')[1])

    def test_display_math_keeps_its_tall_layout_but_not_an_absurd_one(self):
        # Display math is clipped to its own box by the stylesheet; only the blank a huge
        # \raisebox would open is bounded.
        rows = r" \\ ".join(rf"a_{{{i}}} &= \frac{{b_{{{i}}}}}{{c_{{{i}}}}}" for i in range(30))
        tall = rf"\begin{{aligned}}{rows}\end{{aligned}}"
        (raw,) = katex.render_many([(tall, True)])
        self.assertGreater(widest(raw, offsets=False), MATH_MAX_INLINE_EM)
        self.assertEqual(clamp_math_lengths(raw, display=True), raw)
        html = markup.render(r"$$\raisebox{-5000em}{x}$$").html
        self.assertEqual(widest(html, offsets=False), MATH_MAX_DISPLAY_EM)

    def test_it_leaves_colours_percentages_and_small_lengths_alone(self):
        html = (
            '<span style="color:#cc0000;width:100%;margin-right:-0.1667em;top:-3.23em;'
            'border-bottom-width:0.04em;height:19.5em;">x</span><span class="mspace"></span>'
        )
        self.assertEqual(clamp_math_lengths(html, display=False), html)

    def test_it_clamps_each_unit_by_its_size_in_em_and_keeps_the_sign(self):
        html = '<span style="margin-left:-900px;margin-right:300ex;height:-900pt;top:.5em">'
        self.assertEqual(
            clamp_math_lengths(html, display=False),
            '<span style="margin-left:-160px;margin-right:23.2019ex;height:-200pt;top:.5em">',
        )

    def test_it_changes_nothing_in_katexs_own_catalogue_of_real_formulas(self):
        if not KATEX_CATALOGUE.exists():
            raise unittest.SkipTest(f"{KATEX_CATALOGUE} is not here (optional test data)")
        catalogue = json.loads(KATEX_CATALOGUE.read_text())
        items = [(case["tex"], False) for case in catalogue if not case.get("macros")]
        self.assertGreater(len(items), 100)
        for display in (False, True):
            rendered = katex.render_many([(tex, display) for tex, _ in items])
            changed = [
                tex
                for (tex, _), html in zip(items, rendered, strict=True)
                if clamp_math_lengths(html, display=display) != html
            ]
            self.assertEqual(changed, [], f"display={display}")

    def test_the_quick_check_never_spares_a_length_the_full_walk_would_clamp(self):
        # Lengths of every form _LENGTH reads, near and far from each bound, in each unit and
        # property, alone and after other text: the quick check may send a formula the long
        # way for nothing, never let one through that the long way would change.
        rng = random.Random(5)  # noqa: S311 - a repeatable sample, not a secret
        numbers = [
            "9.99",
            "10",
            "10.5",
            "1e1",
            "1e+2",
            "2E3",
            ".5e2",
            "0.6444",
            "99",
            "5",
            "1e-50",
            "Infinity",
            "010",
            "9",
            "100000",
            "9.9e0",
            "12.",
        ]
        for _ in range(3000):
            decls = [
                f"{rng.choice(['margin-right', 'left', 'height', 'top', 'width'])}:"
                f"{rng.choice(['', '-'])}{rng.choice(numbers)}{rng.choice(['em', 'ex', 'pt', 'px'])}"
                for _ in range(rng.randint(1, 4))
            ]
            html = f'<span class="mord">{rng.choice(["a", "7", "10"])}</span><span style="{";".join(decls)}">x</span>'
            display = rng.random() < 0.5
            with mock.patch.object(sanitize, "_MAYBE_OVER_A_BOUND", re.compile("")):
                full = clamp_math_lengths(html, display=display)
            self.assertEqual(clamp_math_lengths(html, display=display), full, html)
