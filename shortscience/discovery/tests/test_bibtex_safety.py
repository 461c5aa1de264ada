"""The BibTeX export is safe to run through BibTeX, biber and LaTeX whatever a title, an
author's name or a venue's name holds: fields end where they end, and the only TeX commands
that go out are math commands and the export's own escapes."""

from __future__ import annotations

import random
import re

import bibtexparser

from shortscience.discovery import bibtex
from shortscience.lib import katex
from shortscience.papers.models import Paper
from shortscience.test import BaseTestCase, make_paper

# Commands that read files, write them, run code or make other commands: never in an export.
FORBIDDEN = {
    *("input", "include", "includeonly", "endinput", "openin", "read", "scantokens"),
    *("write", "openout", "immediate", "special", "directlua", "luaexec", "message", "show"),
    *("def", "edef", "gdef", "xdef", "let", "futurelet", "catcode", "csname", "expandafter"),
    *("noexpand", "newcommand", "renewcommand", "providecommand", "lowercase", "uppercase"),
    *("usepackage", "RequirePackage", "begin", "verb", "href", "url", "includegraphics"),
}
# What the export writes for text: the special characters' escapes.
TEXT_ESCAPES = {
    *("textbackslash", "textasciitilde", "textasciicircum", "textbraceleft", "textbraceright"),
    *"%&$#_{}",
}
HOSTILE = [
    r"$\input{/etc/passwd}$",
    r"$\immediate\write18{rm -rf ~}$",
    r"$\def\x{\input{/etc/passwd}}\x$",
    r"$\csname input\endcsname{/etc/passwd}$",
    r"$\lowercase{\INPUT}{/etc/passwd}$",
    r"$\expandafter\x\csname y\endcsname$",
    r"$^^5cinput{/etc/passwd}$",
    r"$\mathrm{\input{/etc/passwd}}$",
    r"$\begin{filecontents}{x.tex}\end{filecontents}$",
    r"$x}$",
    r"$\{x$",
    r"$x\}$",
    r"$\\{x}$",
    r"$a % b}$",
    r"$#1$",
    r"\input{/etc/passwd}",
    r"a \} b } c { d \{",
    '50% & # ~ ^ _ @ , = " \\ \\\\ \\$',
    "tab\tnew\nline\x00nul\x1bescape\x7fdel\x85nel\u2028sep",
    "Schrödinger — 量子 ∑ 🙂 \ud800",
    "}@misc{injected, title={x}}",
    "} and {",
    "and",
    "a, b, c, d",
    ",",
]
WRITTEN_FIELD = re.compile(r"^  (\w+) *= \{(.*)\},?$", re.MULTILINE)
CONTROL_SEQUENCE = re.compile(r"\\(?:([A-Za-z]+)|(.))", re.DOTALL)


def control_sequences(text: str) -> set[str]:
    """The commands TeX reads in text: a backslash and letters, or a backslash and one
    character (so `\\textbackslash{}input` is \\textbackslash, not \\input)."""
    return {m[1] or m[2] for m in CONTROL_SEQUENCE.finditer(text)}


def brace_depths(value: str, *, skip_escaped: bool) -> list[int]:
    """The depth after each brace: BibTeX and biber count every brace (skip_escaped=False),
    bibtexparser none after a backslash (True)."""
    depths, depth = [], 0
    for i, c in enumerate(value):
        if c in "{}" and not (skip_escaped and i > 0 and value[i - 1] == "\\"):
            depth += 1 if c == "{" else -1
            depths.append(depth)
    return depths


def with_details(paper: Paper) -> Paper:
    return Paper.objects.get_with_details(pk=paper.pk)


class WellFormedMixin:
    def assertWellFormed(self, text: str) -> dict[str, str]:
        """Every entry of `text` parses, with the fields as written, balanced braces by every
        count, no `%` that TeX or biber would read as a comment, and no command but math
        commands and escapes. Returns the fields of the last entry, as written."""
        library = bibtexparser.parse_string(text)
        self.assertEqual(library.failed_blocks, [], text)
        blocks = [b for b in text.split("\n\n") if b.strip()]
        self.assertEqual(len(library.entries), len(blocks), text)
        for block, parsed in zip(blocks, library.entries, strict=True):
            written = dict(WRITTEN_FIELD.findall(block))
            self.assertEqual(len(written), len(block.strip().splitlines()) - 2, block)
            self.assertEqual({f.key: f.value for f in parsed.fields}, written, block)
            for name, value in written.items():
                for skip_escaped in (False, True):
                    depths = brace_depths(value, skip_escaped=skip_escaped)
                    self.assertTrue(all(d >= 0 for d in depths), value)
                    self.assertEqual(depths[-1:] or [0], [0], value)
                if name == "url":
                    self.assertNotRegex(value, r"%(?![0-9A-Fa-f]{2})")
                else:
                    self.assertNotRegex(value, r"(?<!\\)%")
        self.assertNotIn("^^", text)
        used = control_sequences(text)
        self.assertEqual(used - bibtex.MATH_COMMANDS - TEXT_ESCAPES, set(), text)
        self.assertEqual(used & FORBIDDEN, set(), text)
        return written


class TitleMathTests(WellFormedMixin, BaseTestCase):
    def test_normal_math_still_exports_as_tex(self):
        for tex in (r"\ell_1", "O(n^2)", r"\mathbb{R}^d", r"\frac{1}{\sqrt{n}}", r"\{x_i\}"):
            with self.subTest(tex=tex):
                title = bibtex.protect_title(f"Bounds with ${tex}$ Regularization")
                self.assertEqual(title, f"Bounds with {{${tex}$}} Regularization")

    def test_a_forbidden_command_in_math_goes_out_as_text(self):
        for name in sorted(FORBIDDEN):
            with self.subTest(name=name):
                title = bibtex.protect_title(f"$x \\{name}{{/etc/passwd}}$")
                self.assertEqual(control_sequences(title) - TEXT_ESCAPES, set())
                self.assertRegex(title, r"^\\\$x \\textbackslash\{\}\{?" + name)

    def test_the_pasted_input_title_is_written_as_the_characters_it_is(self):
        self.assertEqual(
            bibtex.protect_title(r"$\input{/etc/passwd}$"),
            r"\$\textbackslash{}input\{/etc/passwd\}\$",
        )

    def test_math_with_unbalanced_braces_goes_out_as_text(self):
        self.assertEqual(bibtex.protect_title("$x}$"), r"\$x\textbraceright{}\$")
        self.assertEqual(bibtex.protect_title(r"$\{x$"), r"\$\textbackslash{}\textbraceleft{}x\$")

    def test_math_that_could_spell_a_command_another_way_goes_out_as_text(self):
        for title in (r"$^^5cinput$", r"$a % b$", "$#1$", "$a & b$", r"$\\{x}$"):
            with self.subTest(title=title):
                self.assertTrue(bibtex.protect_title(title).startswith(r"\$"))

    def test_no_forbidden_command_is_in_the_allow_list(self):
        self.assertEqual(bibtex.MATH_COMMANDS & FORBIDDEN, set())
        self.assertNotIn("\\", bibtex.MATH_COMMANDS)

    def test_katex_knows_every_allowed_command_as_a_math_command(self):
        names = sorted(bibtex.MATH_COMMANDS)
        rendered = katex.render_many([("\\" + name, False) for name in names])
        for name, html in zip(names, rendered, strict=True):
            with self.subTest(name=name):
                self.assertNotIn("Undefined control sequence", html)
                self.assertNotIn("in math mode", html)


class TitleCaseTests(BaseTestCase):
    def test_title_case_words_stay_unbraced(self):
        self.assertEqual(
            bibtex.protect_title("Attention Is All You Need"), "Attention Is All You Need"
        )

    def test_acronyms_mixed_case_and_lone_capitals_are_braced(self):
        self.assertEqual(
            bibtex.protect_title("A Study of ResNet-50 on iPhone 3D: BERT and Vitamin C"),
            "A Study of {ResNet}-50 on {iPhone} {3D}: {BERT} and Vitamin {C}",
        )

    def test_hyphenated_words_are_braced_by_part(self):
        self.assertEqual(
            bibtex.protect_title("Self-Attention for Q-Learning with k-NN"),
            "Self-Attention for {Q}-Learning with k-{NN}",
        )

    def test_an_apostrophe_stays_inside_the_word(self):
        self.assertEqual(bibtex.protect_title("O'Brien\u2019s Lemma"), "{O'Brien\u2019s} Lemma")


class HostileValueTests(WellFormedMixin, BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = with_details(
            make_paper(
                "Plain",
                authors=["Ada Lovelace"],
                identifiers={"doi": "10.1234/abc", "arxiv": "1706.03762"},
            )
        )

    def export(self, title: str, name: str = "Ada Lovelace", venue: str = "NeurIPS") -> str:
        # Set on the loaded objects: the export reads them, and nothing is saved.
        self.paper.title = title
        self.paper.ordered_authors[0].name = name
        self.paper.venue.name = venue
        return bibtex.entry(self.paper)

    def test_every_hostile_value_gives_an_entry_that_parses_as_written(self):
        for value in HOSTILE:
            with self.subTest(value=value):
                self.assertWellFormed(self.export(value, value, value))

    def test_random_hostile_values_give_entries_that_parse_as_written(self):
        pieces = [*"\\{}%#~^&$_@,=\" 'aZ\t\x00é", "\\$", "\\\\", "$$", " and ", "\\input"]
        pieces += ["\\alpha", "\\{", "\\}", "x_1", "$x$"]  # and math that may go out as TeX
        rng = random.Random(15)  # noqa: S311 - reproducible test data, not a secret
        for _ in range(300):
            value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
            with self.subTest(value=value):
                self.assertWellFormed(self.export(value, value, value))

    def test_a_venue_export_of_hostile_papers_parses_as_written(self):
        papers = [
            with_details(make_paper(t, authors=[t.replace("$", "") or "X"])) for t in HOSTILE[:6]
        ]
        self.assertWellFormed(bibtex.entries(papers))

    def test_control_characters_become_spaces(self):
        fields = self.assertWellFormed(self.export("a\x00b\tc\nd", "Ada\x1bLovelace"))
        self.assertEqual(fields["title"], "a b c d")
        self.assertEqual(fields["author"], "Lovelace, Ada")

    def test_other_characters_are_written_as_they_are(self):
        fields = self.assertWellFormed(self.export("Schrödinger — 量子 ∑ 🙂", "Zoë Müller"))
        self.assertEqual(fields["title"], "Schrödinger — 量子 ∑ 🙂")
        self.assertEqual(fields["author"], "Müller, Zoë")

    def test_a_name_bibtex_would_split_is_braced_whole(self):
        fields = self.assertWellFormed(self.export("T", "Barnes and Noble"))
        self.assertEqual(fields["author"], "{Barnes and Noble}")
        fields = self.assertWellFormed(self.export("T", "King, Jr., Martin, Luther"))
        self.assertEqual(fields["author"], "{King, Jr., Martin, Luther}")

    def test_a_doi_with_tex_markup_is_left_out_and_its_url_encoded(self):
        paper = with_details(make_paper("Only a DOI", identifiers={"doi": "10.1234/other"}))
        doi = paper.identifier("doi")
        doi.value = doi.display = r"10.1234/\input{x}%#^^5c"
        fields = self.assertWellFormed(bibtex.entry(paper))
        self.assertNotIn("doi", fields)
        self.assertEqual(fields["url"], "https://doi.org/10.1234/%5Cinput%7Bx%7D%25%23%5E%5E5c")

    def test_percent_signs_stay_inside_braces_for_biber(self):
        text = self.export("50% of $x$ % more", "A % B", "C%")
        depth = 0
        for c in text:
            depth += {"{": 1, "}": -1}.get(c, 0)
            if c == "%":
                self.assertGreater(depth, 0)
        self.assertWellFormed(text)
