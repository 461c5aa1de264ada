# ruff: noqa: RUF001, RUF003 -- the expected values are the look-alike characters math is written in.
from __future__ import annotations

import re
from unittest import TestCase

from shortscience.lib import katex, markup
from shortscience.lib.markup.mathtext import math_text


def mathml(tex: str) -> str:
    (rendered,) = katex.render_many([(tex, False)])
    return re.search(r"<math\b.*?</math>", rendered, re.S).group()


class MathTextTests(TestCase):
    def test_it_reads_a_formula_as_a_line_of_text(self):
        cases = {
            r"O(n^2 \cdot d)": "O(n²⋅d)",
            r"\mathbb{E}_{q_\phi(z\mid x)}[\log p(x|z)]": "𝔼_(qᵩ(z∣x))[log p(x∣z)]",
            r"\frac{a+b}{2}": "(a + b)/2",
            r"\frac{\partial L}{\partial w_{ij}}": "∂L/∂wᵢⱼ",
            r"\hat{x}_i \le \sqrt{\alpha}": "x̂ᵢ ≤ √α",
            r"\sum_{i=1}^{n} x_i^2": "∑ᵢ₌₁ⁿ xᵢ²",
            r"\mathrm{softmax}(QK^\top/\sqrt{d_k})V": "softmax(QKᵀ/√dₖ)V",
            r"W \in \mathbb{R}^{d \times k}": "W ∈ ℝ^(d×k)",
            r"\theta^{(t+1)} = \theta^{(t)} - \eta \nabla_\theta L": "θ⁽ᵗ⁺¹⁾ = θ⁽ᵗ⁾ − η∇_θ L",
            r"\mathcal{L} + \mathbf{x}": "ℒ + 𝐱",
            r"\begin{pmatrix}1&2\\3&4\end{pmatrix}": "(1, 2; 3, 4)",
            r"\operatorname{KL}(p \| q) \text{ for } x > 0": "KL(p∥q) for x > 0",
            r"-x^{-1} \pm 1": "−x⁻¹ ± 1",
        }
        for tex, text in cases.items():
            with self.subTest(tex=tex):
                self.assertEqual(math_text(mathml(tex)), text)

    def test_it_never_reads_the_annotation(self):
        # The annotation holds the TeX source; the text comes from the MathML alone.
        text = math_text(
            '<math><semantics><mrow><mi>x</mi></mrow><annotation encoding="application/x-tex">'
            "\\secret</annotation></semantics></math>"
        )
        self.assertEqual(text, "x")

    def test_it_reads_what_a_documents_macros_became(self):
        r = markup.render(r"Let $\gdef\R{\mathbb{R}} x \in \R^n$ and $y \in \R$.")
        self.assertEqual(r.excerpt, "Let x ∈ ℝⁿ and y ∈ ℝ.")

    def test_it_reads_a_typeset_abstract_without_its_tex(self):
        html = markup.render_abstract(r"If $x < y$ and $a > b$ then <b>c</b> $\frac{1}{2}$.")
        self.assertEqual(markup.html_text(html), "If x < y and a > b then <b>c</b> 1/2.")

    def test_a_lists_mathml_spells_styled_letters_for_mathml_core(self):
        # Chromium draws mathvariant="normal" only: \mathbb{E} must be 𝔼 itself.
        html = markup.render(r"$\mathbb{E}_q[\mathbf{x}] + \mathcal{L}$").excerpt_html
        self.assertIn('<mi mathvariant="normal">𝔼</mi>', html)
        self.assertIn('<mi mathvariant="normal">𝐱</mi>', html)
        self.assertIn('<mi mathvariant="normal">ℒ</mi>', html)
        self.assertNotIn("double-struck", html)
