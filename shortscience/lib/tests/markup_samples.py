"""Documents shared by the markup tests and bench/render_markup.py."""

from __future__ import annotations

import itertools

_PROSE = (
    "The authors replace recurrence with attention throughout the encoder and decoder, "
    "which lets every position attend to every other in a constant number of steps. "
    "Training is parallel across the sequence, and the paper reports a new state of the art "
    "on two translation benchmarks at a fraction of the usual training cost. "
)


def typical_summary() -> str:
    """~600 words, 8 inline formulas, one display formula, a list, a \\cite."""
    inline = [
        "$Q, K, V$",
        "$d_k$",
        r"$\sqrt{d_k}$",
        r"$\mathrm{softmax}(QK^\top)$",
        "$h = 8$",
        r"$O(n^2 \cdot d)$",
        r"\(d_{model} = 512\)",
        r"$\epsilon_{ls} = 0.1$",
    ]
    paragraphs = [
        "# Attention is all you need\n",
        f"This summary covers the Transformer \\cite{{1706.03762}}. {_PROSE * 2}",
        f"Each head projects the input to {inline[0]} with keys of size {inline[1]}, "
        f"and scales the dot products by {inline[2]} before taking {inline[3]}. {_PROSE}",
        "$$\n\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\left(\\frac{QK^\\top}{\\sqrt{d_k}}\\right) V\n$$\n",
        f"With {inline[4]} heads the cost per layer is {inline[5]}, for {inline[6]}. {_PROSE}",
        "What the paper shows:\n\n"
        "- attention alone is enough for translation;\n"
        "- positional encodings can be fixed sinusoids;\n"
        f"- label smoothing with {inline[7]} hurts perplexity but helps BLEU.\n",
        f"{_PROSE * 3}",
        f"**Open questions.** {_PROSE * 2}[^1]\n",
        "[^1]: The quadratic cost in sequence length is the obvious one.\n",
    ]
    return "\n\n".join(paragraphs)


def formula_heavy_summary(n: int = 50) -> str:
    """A summary whose every sentence carries math: n formulas in all."""
    formulas = itertools.cycle(
        [
            r"$\nabla_\theta \mathcal{L}(\theta) = \mathbb{E}_{x \sim p}[\nabla_\theta \log p_\theta(x)]$",
            r"$\sum_{i=1}^{n} \alpha_i x_i$",
            r"$\|W\|_F^2 \le \lambda$",
            r"$p(y \mid x) = \frac{e^{f_y(x)}}{\sum_k e^{f_k(x)}}$",
            "$$\\begin{aligned} a &= b + c \\\\ d &= e \\cdot f \\end{aligned}$$",
        ]
    )
    sentences = [f"Step {i} uses {next(formulas)} as its update." for i in range(n)]
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, n, 5))


_HOSTILE_LINES = [
    "<script>alert(1)</script> <img src=x onerror=alert(1)> $x^2$",
    "[click](javascript:alert(1)) <a href='jav&#x09;ascript:alert(1)'>x</a> \\(y\\)",
    '<svg><script>alert(1)</script></svg> <iframe src="https://evil.example"></iframe>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    "<div><div><div><b title=1><b title=2><p style='color:red'>\\cite{1706.03762}",
    "> > > > > [[[[[[[[ ***** $$ \\frac{1}{ \\[ unterminated $ x",
    "![img](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) `$code$`",
    "$a$ $\\frac{b}{c}$ $\\href{javascript:alert(1)}{d}$ \\[e\\] $$\\def\\f{\\f\\f}\\f$$ costs $5",
]


def hostile_body(size: int = 1_000_000) -> str:
    """About `size` characters of attacks, nesting and unterminated math, in paragraphs."""
    block = "\n\n".join(_HOSTILE_LINES) + "\n\n"
    return (block * (size // len(block) + 1))[:size]
