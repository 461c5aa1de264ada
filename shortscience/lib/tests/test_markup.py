from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path
from unittest import TestCase, mock
from xml.etree import ElementTree

from shortscience.lib import katex, markup
from shortscience.lib.markup import CiteTarget, parser
from shortscience.lib.tests.markup_samples import typical_summary

VASWANI = CiteTarget(
    url="/paper/12/attention-is-all-you-need",
    label="Vaswani et al. 2017",
    title="Attention Is All You Need",
)


def formulas(html: str) -> list[str]:
    """The TeX source of every formula KaTeX rendered, from its MathML annotation."""
    return re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', html, re.S)


def display_formulas(html: str) -> int:
    return html.count('class="katex-display"')


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = Tags()
    p.feed(html)
    p.close()
    return p.tags


class MathTests(TestCase):
    def test_it_typesets_inline_math_in_dollars_and_parentheses(self):
        html = markup.render(r"Let $x^2$ and \(y_1\) be given.").html
        self.assertEqual(formulas(html), ["x^2", "y_1"])
        self.assertEqual(display_formulas(html), 0)

    def test_it_typesets_display_math_in_double_dollars_and_brackets(self):
        html = markup.render("$$\na + b\n$$\n\n\\[\nc = d\n\\]\n\nand inline $$e$$ too").html
        self.assertEqual(formulas(html), ["a + b", "c = d", "e"])
        self.assertEqual(display_formulas(html), 3)
        # Formulas on their own lines get a block wrapper to style.
        self.assertEqual(html.count('<div class="math-display">'), 2)

    def test_it_outputs_mathml_for_screen_readers_and_copy(self):
        html = markup.render(r"$\alpha$").html
        self.assertIn("<math", html)
        self.assertIn("<mi>\N{GREEK SMALL LETTER ALPHA}</mi>", html)

    def test_it_keeps_dollar_amounts_as_prose(self):
        r = markup.render("It costs $5 and $10, or $3 at most.\n\nDigits touch: 3$x$ and $y$4.")
        self.assertEqual(formulas(r.html), [])
        self.assertIn("It costs $5 and $10, or $3 at most.", r.html)
        self.assertIn("Digits touch: 3$x$ and $y$4.", r.html)

    def test_it_needs_no_space_inside_the_dollars(self):
        self.assertEqual(formulas(markup.render("a $ x$ and $x $ b").html), [])

    def test_it_reads_an_escaped_dollar_as_a_literal_dollar(self):
        html = markup.render(r"Pay \$5 for \$x\$ and $a\$b$.").html
        self.assertIn("Pay $5 for $x$ and ", html)
        self.assertEqual(formulas(html), [r"a\$b"])

    def test_it_leaves_math_inside_code_spans_and_blocks_as_code(self):
        html = markup.render("`$x$ \\(y\\)`\n\n```\n$$z$$\n```\n\n    $w$\n").html
        self.assertEqual(formulas(html), [])
        self.assertIn(r"<code>$x$ \(y\)</code>", html)
        self.assertIn("<pre><code>$$z$$\n</code></pre>", html)
        self.assertIn("<pre><code>$w$\n</code></pre>", html)

    def test_it_supports_align_environments_inside_display_math(self):
        html = markup.render("$$\n\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}\n$$").html
        self.assertNotIn("katex-error", html)
        self.assertIn("<mtable", html)

    def test_it_keeps_markdown_out_of_display_math(self):
        html = markup.render("$$\na\n- b\n* c\n$$").html
        self.assertEqual(formulas(html), ["a\n- b\n* c"])
        self.assertNotIn("<li>", html)

    def test_it_shows_invalid_tex_as_a_katex_error_and_renders_the_rest(self):
        html = markup.render("Bad $\\frac{$ then good $y$ and **bold**.").html
        self.assertIn('class="katex-error"', html)
        self.assertIn(r"\frac{", html)
        self.assertEqual(formulas(html), ["y"])
        self.assertIn("<strong>bold</strong>", html)

    def test_it_leaves_unterminated_math_as_text(self):
        for text in ["$$ x", r"\( x", r"\[ x", "$x", "a $$\nb"]:
            with self.subTest(text=text):
                html = markup.render(text).html
                self.assertEqual(formulas(html), [])
                self.assertIn("x" if "x" in text else "b", html)

    def test_it_sends_all_formulas_of_a_document_in_one_batch(self):
        with mock.patch("shortscience.lib.katex.render_many", return_value=["A", "B"]) as render:
            html = markup.render("$a$ and\n\n$$b$$").html
        render.assert_called_once_with([("a", False), ("b", True)])
        self.assertEqual(html, '<p>A and</p>\n<div class="math-display">B</div>\n')

    def test_it_renders_math_past_the_per_document_limit_as_errors(self):
        with mock.patch.object(parser, "MAX_FORMULAS", 3):
            html = markup.render(" ".join(f"$x_{i}$" for i in range(5))).html
        self.assertEqual(formulas(html), ["x_0", "x_1", "x_2"])
        self.assertEqual(html.count('class="katex-error"'), 2)
        self.assertIn("Too much math in one document", html)

    def test_it_renders_identical_html_every_time(self):
        # rerender_markup compares stored HTML with a fresh render; the per-render
        # secrets must not leak into the output.
        text = typical_summary() + "\n\n<span class='x'>raw</span> | a |\n|:-|\n| b |"
        first = markup.render(text, id_prefix="s1-")
        second = markup.render(text, id_prefix="s1-")
        self.assertEqual(first.html, second.html)


class UnicodeTests(TestCase):
    def test_it_replaces_lone_surrogates_instead_of_failing(self):
        r = markup.render("a \ud800 $x\udfff$")
        self.assertIn("a \ufffd", r.html)
        self.assertEqual(formulas(r.html), ["x\ufffd"])
        self.assertIn("\ufffd", markup.render_abstract("b \ud800"))


class CiteTests(TestCase):
    def test_it_links_a_known_key_to_its_paper(self):
        html = markup.render(
            r"See \cite{1706.03762}.", resolve_cites=lambda keys: {"1706.03762": VASWANI}
        ).html
        self.assertIn(
            '<a class="cite" href="/paper/12/attention-is-all-you-need" '
            'title="Attention Is All You Need" rel="nofollow ugc noopener">Vaswani et al. 2017</a>',
            html,
        )

    def test_it_marks_an_unknown_key_visibly(self):
        html = markup.render(
            r"See \cite{conf/nips/VaswaniSPUJGKP17}.", resolve_cites=lambda keys: {}
        ).html
        self.assertIn(
            '<span class="cite-missing" title="not in the library yet">'
            "conf/nips/VaswaniSPUJGKP17 (not in the library yet)</span>",
            html,
        )

    def test_it_marks_every_key_missing_without_a_resolver(self):
        r = markup.render(r"\cite{10.1145/xyz}")
        self.assertIn("10.1145/xyz (not in the library yet)", r.html)
        self.assertEqual(r.cite_keys, ["10.1145/xyz"])

    def test_it_splits_multiple_keys_on_commas(self):
        r = markup.render(
            r"\cite{1706.03762, journals/corr/ZeilerF13,1706.03762}",
            resolve_cites=lambda keys: {"1706.03762": VASWANI},
        )
        self.assertEqual(r.cite_keys, ["1706.03762", "journals/corr/ZeilerF13"])
        self.assertIn('>Vaswani et al. 2017</a>; <span class="cite-missing"', r.html)

    def test_it_calls_the_resolver_once_with_all_keys_in_order(self):
        resolver = mock.Mock(return_value={})
        r = markup.render(
            "\\cite{b} and \\cite{a,b}.[^1]\n\n$$x$$\n\n[^1]: Also \\cite{c}.",
            resolve_cites=resolver,
        )
        resolver.assert_called_once_with(["b", "a", "c"])
        self.assertEqual(r.cite_keys, ["b", "a", "c"])

    def test_it_does_not_call_the_resolver_without_keys(self):
        resolver = mock.Mock(return_value={})
        markup.render("No citations here.", resolve_cites=resolver)
        resolver.assert_not_called()

    def test_it_leaves_a_cite_inside_code_as_code(self):
        r = markup.render(r"`\cite{a}` and \\cite{b}")
        self.assertIn(r"<code>\cite{a}</code>", r.html)
        self.assertIn(r"\cite{b}", r.html)
        self.assertEqual(r.cite_keys, [])

    def test_it_escapes_what_the_resolver_returns(self):
        evil = CiteTarget(url="javascript:alert(1)", label="<b>x</b>", title='"><script>')
        html = markup.render(r"\cite{k}", resolve_cites=lambda keys: {"k": evil}).html
        self.assertNotIn("javascript:", html)
        self.assertNotIn("<script", html)
        self.assertIn("&lt;b&gt;x&lt;/b&gt;", html)


class MarkdownTests(TestCase):
    def test_it_shifts_headings_down_two_levels(self):
        html = markup.render("# One\n\n## Two\n\n### Three\n\n##### Five\n\nSetext\n===").html
        self.assertIn("<h3>One</h3>", html)
        self.assertIn("<h4>Two</h4>", html)
        self.assertIn("<h5>Three</h5>", html)
        self.assertIn("<h6>Five</h6>", html)
        self.assertIn("<h3>Setext</h3>", html)
        self.assertNotRegex(html, "<h[12]")

    def test_a_heading_is_never_more_than_one_level_below_the_one_before(self):
        html = markup.render("### Starts deep\n\n##### Deeper still\n\n# Back up").html
        self.assertIn("<h3>Starts deep</h3>", html)
        self.assertIn("<h4>Deeper still</h4>", html)
        self.assertIn("<h3>Back up</h3>", html)

    def test_it_drops_a_raw_h1_tag_but_keeps_its_text(self):
        html = markup.render("<h1>Big</h1>").html
        self.assertNotIn("<h1", html)
        self.assertIn("Big", html)

    def test_it_renders_tables_with_alignment_as_classes(self):
        html = markup.render("| a | b |\n|:-:|--:|\n| 1 | 2 |").html
        self.assertIn('<th class="align-center">a</th>', html)
        self.assertIn('<td class="align-right">2</td>', html)
        self.assertNotIn("style", html)

    def test_it_renders_strikethrough(self):
        self.assertIn("<s>gone</s>", markup.render("~~gone~~").html)

    def test_it_renders_footnotes_with_prefixed_ids_that_link_both_ways(self):
        html = markup.render("Claim.[^n] Again.[^n]\n\n[^n]: Source.", id_prefix="s12-3-").html
        self.assertIn('<a href="#s12-3-fn1" id="s12-3-fnref1"', html)
        self.assertIn('<a href="#s12-3-fn1" id="s12-3-fnref1-1"', html)
        self.assertIn('<li id="s12-3-fn1" class="footnote-item">', html)
        self.assertIn('<a href="#s12-3-fnref1" class="footnote-backref"', html)
        self.assertIn('<a href="#s12-3-fnref1-1" class="footnote-backref"', html)
        self.assertIn('<section class="footnotes">', html)

    def test_it_gives_two_summaries_on_one_page_distinct_footnote_ids(self):
        text = "A.[^1]\n\n[^1]: B."
        ids_a = {a.get("id") for _, a in tags_of(markup.render(text, id_prefix="s1-").html)} - {
            None
        }
        ids_b = {a.get("id") for _, a in tags_of(markup.render(text, id_prefix="s2-").html)} - {
            None
        }
        self.assertTrue(ids_a)
        self.assertFalse(ids_a & ids_b)

    def test_it_refuses_an_id_prefix_that_could_break_out_of_the_attribute(self):
        with self.assertRaises(ValueError):
            markup.render("x", id_prefix='"><script>')

    def test_it_makes_autolinks_with_rel_nofollow(self):
        html = markup.render("<https://arxiv.org/abs/1706.03762>").html
        self.assertIn(
            '<a href="https://arxiv.org/abs/1706.03762" rel="nofollow ugc noopener">', html
        )

    def test_it_keeps_ordinary_markdown(self):
        html = markup.render(
            '*em* **strong** `code`\n\n> quote\n\n1. one\n2. two\n\n---\n\n![alt](https://x.org/a.png "t")'
        ).html
        for fragment in [
            "<em>em</em>",
            "<strong>strong</strong>",
            "<code>code</code>",
            "<blockquote>",
            "<ol>",
            "<hr>",
            '<img src="https://x.org/a.png" alt="alt" title="t">',
        ]:
            self.assertIn(fragment, html)


class AbstractTests(TestCase):
    def test_it_escapes_text_and_typesets_dollar_math(self):
        html = markup.render_abstract("We show <b>that</b> $\\sim$10% of $n$ & $$E = mc^2$$ hold.")
        self.assertIn("We show &lt;b&gt;that&lt;/b&gt; ", html)
        self.assertIn("&amp;", html)
        self.assertEqual(formulas(html), ["\\sim", "n", "E = mc^2"])
        self.assertEqual(display_formulas(html), 1)

    def test_it_makes_paragraphs_from_blank_lines_and_ignores_markdown(self):
        html = markup.render_abstract("First *line*\nwrapped.\n\n  \nSecond # para.")
        self.assertEqual(html, "<p>First *line*\nwrapped.</p>\n<p>Second # para.</p>")

    def test_it_keeps_escaped_dollars_and_unpaired_dollars_as_text(self):
        html = markup.render_abstract(r"It costs \$5, and \\$x$ while $ alone")
        self.assertIn("It costs $5, and \\", html)
        self.assertEqual(formulas(html), ["x"])
        self.assertIn("while $ alone", html)

    def test_it_returns_nothing_for_an_empty_abstract(self):
        self.assertEqual(markup.render_abstract("  \n\n "), "")


# Every abstract of the recorded arXiv responses (about one in eight has math), and cases
# for each rule of the plain-text math: escapes, display math, errors, markup, CR, NBSP.
RECORDED_ARXIV = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data" / "arxiv"
ATOM = "{http://www.w3.org/2005/Atom}"


def abstract_sample() -> list[str]:
    recorded = [
        entry.findtext(f"{ATOM}summary") or ""
        for path in sorted(RECORDED_ARXIV.glob("*/*.xml"))
        # Responses recorded in this repository, not input from outside.
        for entry in ElementTree.parse(path).getroot().iter(f"{ATOM}entry")  # noqa: S314
    ]
    return [
        *recorded,
        r"We show $\sim$10% of $n$ & $$E = mc^2$$ hold, at \$5 and \\$x$ while $ alone.",
        "Bad math $\\frac{1}{$ and $x^{$ stays readable.\r\n\r\nA second <b>paragraph</b>.",
        "No\xa0break & <i>no</i> markup, **bold** stays as typed.\n\n\n Last.",
        "$$\\sum_{i=1}^n x_i$$",
        "",
        # A macro one abstract defines is not the next one's, even in the same KaTeX request.
        "We let $\\gdef\\ssSet{\\mathbb{R}}\\ssSet$ be the reals: $x \\in \\ssSet$.",
        "Here $\\ssSet$ is undefined.",
    ]


class ManyAbstractsTests(TestCase):
    def test_abstracts_typeset_together_come_out_as_each_typeset_alone(self):
        texts = abstract_sample()
        self.assertGreater(sum("$" in t for t in texts), 10)
        alone = [markup.render_abstract(t) for t in texts]
        # A few formulas per KaTeX request, so that the abstracts spread over many requests.
        with (
            mock.patch.object(markup, "MATH_PER_REQUEST", 5),
            mock.patch.object(katex, "render_many", wraps=katex.render_many) as requests,
        ):
            together = markup.render_abstracts(texts)
        self.assertEqual(together, alone)
        self.assertEqual(markup.render_abstracts(texts), alone)  # in one or two requests
        formulas_sent = sum(len(call.args[0]) for call in requests.call_args_list)
        self.assertGreater(requests.call_count, 3)
        self.assertLess(requests.call_count, formulas_sent)

    def test_an_abstract_without_math_skips_the_parser_for_the_same_html(self):
        # The short way (no $, no backslash, no CR or NUL) gives what the full path gives;
        # the full path is forced by a pattern that finds work in every text.
        texts = [t for t in abstract_sample() if not re.search(r"[$\\\r\x00]", t)]
        texts += ["<script>&amp;\u2028\x85\ufffe\U0001f600 \x0c\n\n\xa0\n\ud800 end"]
        short = markup.render_abstracts(texts)
        with mock.patch.object(markup, "_NEEDS_TYPESETTING", ("",)):
            full = markup.render_abstracts(texts)
        self.assertEqual(short, full)

    def test_an_abstract_over_its_budget_is_none_and_the_others_are_typeset(self):
        texts = ["A $x$.", "$x$ " * 20_000, "Plain."]
        out = markup.render_abstracts(texts, budget=0.01)
        self.assertIsNone(out[1])
        self.assertEqual(out[0], markup.render_abstract("A $x$."))
        self.assertEqual(out[2], "<p>Plain.</p>")


class TitleTests(TestCase):
    def test_it_typesets_a_titles_math_inline_without_a_paragraph(self):
        html = markup.render_title("Sparse <b>Recovery</b> with $\\ell_1$ &\n $$L_2$$ Norms")
        self.assertTrue(html.startswith("Sparse &lt;b&gt;Recovery&lt;/b&gt; with <span"), html)
        self.assertNotIn("<p>", html)
        self.assertEqual(formulas(html), ["\\ell_1", "L_2"])
        self.assertEqual(display_formulas(html), 0)
        self.assertIn(" &amp; <span", html)  # the line break is a space
        self.assertEqual(markup.html_text(html), "Sparse <b>Recovery</b> with ℓ₁ & L₂ Norms")

    def test_a_title_without_a_dollar_has_no_html(self):
        self.assertEqual(markup.render_title("Attention <i>Is</i> All You Need"), "")

    def test_it_keeps_escaped_and_unpaired_dollars_as_text(self):
        self.assertEqual(markup.render_title(r"The \$1 Recognizer"), "The $1 Recognizer")
        self.assertEqual(markup.render_title("Costs $ alone"), "Costs $ alone")


class BoundedCostTests(TestCase):
    def assertFast(self, text: str, seconds: float) -> markup.Rendered:
        start = time.perf_counter()
        r = markup.render(text)
        self.assertLess(time.perf_counter() - start, seconds, f"{text[:40]!r}…")
        return r

    def test_it_survives_deeply_nested_input(self):
        for text in [">" * 10_000 + " x", "[" * 10_000 + "x", "*" * 10_000 + "x" + "*" * 10_000]:
            with self.subTest(text=text[:5]):
                r = self.assertFast(text, 10)
                self.assertIsInstance(r.html, str)
        nested = "".join("  " * i + "- x\n" for i in range(500))
        self.assertFast(nested, 10)

    def test_it_stays_linear_on_unterminated_delimiters(self):
        # Each of these was quadratic in a naive closing-delimiter search.
        for text in ["\\(" * 50_000, "\\[" * 50_000, "$$ x\n" * 20_000, "\\cite{" * 20_000]:
            with self.subTest(text=text[:6]):
                self.assertFast(text, 10)

    def test_it_caps_raw_html_so_unclosed_tags_cannot_multiply(self):
        # 200 distinct unclosed <b> tags followed by many paragraphs: an HTML parser
        # re-opens all of them in every paragraph unless they are closed first.
        opening = "".join(f"<b title={i}>" for i in range(200))
        r = self.assertFast(opening + "\n\n" + "x\n\n" * 5000, 20)
        self.assertLess(len(r.html), 200_000)
        deep = self.assertFast("<div>" * 50_000, 10)
        self.assertIn("&lt;div&gt;", deep.html)  # over the raw-HTML budget: shown as text
