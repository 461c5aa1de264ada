# ruff: noqa: RUF001 -- the expected values are the look-alike characters TeX means (dashes, quotes).
from __future__ import annotations

import time
import unicodedata
from unittest import TestCase

from shortscience.lib.latex import NBSP, strip_braces, to_unicode


class AccentTests(TestCase):
    def test_it_reads_every_spelling_of_an_umlaut(self):
        for spelling in (r"{\"o}", r"\"{o}", r"\"o", r"{\" o}", r"\" o"):
            with self.subTest(spelling=spelling):
                self.assertEqual(to_unicode(f"Schr{spelling}dinger"), "Schrödinger")

    def test_it_reads_each_accent_command(self):
        cases = {
            r"{\'e}": "é",
            r"\'{e}": "é",
            r"\`{a}": "à",
            r"\^{i}": "î",
            r"{\~n}": "ñ",
            r"\~{n}": "ñ",
            r"\c{c}": "ç",
            r"\c c": "ç",
            r"{\c c}": "ç",
            r"\v{s}": "š",
            r"\v s": "š",
            r"\u{a}": "ă",
            r"\H{o}": "ő",
            r"\k{a}": "ą",
            r"\={a}": "ā",
            r"\.{z}": "ż",
            r"\r{a}": "å",
            r"\d{s}": "ṣ",
        }
        for tex, expected in cases.items():
            with self.subTest(tex=tex):
                self.assertEqual(to_unicode(tex), expected)

    def test_it_reads_the_special_letters(self):
        cases = {
            r"{\ss}": "ß",
            r"{\o}": "ø",
            r"{\O}": "Ø",
            r"{\ae}": "æ",
            r"{\AE}": "Æ",
            r"{\oe}": "œ",
            r"{\aa}": "å",
            r"{\AA}": "Å",
            r"{\l}": "ł",
            r"{\L}": "Ł",
            r"{\i}": "ı",
        }
        for tex, expected in cases.items():
            with self.subTest(tex=tex):
                self.assertEqual(to_unicode(tex), expected)

    def test_it_puts_an_accent_on_a_dotless_i_as_on_an_i(self):
        self.assertEqual(
            to_unicode(r"Pe{\~n}a Gonz{\'a}lez, Mu{\~n}oz, Ã{\'\i}"), "Peña González, Muñoz, Ãí"
        )
        self.assertEqual(to_unicode(r"na\"{\i}ve"), "naïve")

    def test_it_reads_nested_accent_groups_as_xampl_writes_them(self):
        self.assertEqual(to_unicode(r"{\'{E}}douard T{\'{e}}rrific"), "Édouard Térrific")

    def test_its_output_is_composed_nfc(self):
        out = to_unicode(r"\'e\c{c}\v{s}")
        self.assertEqual(out, unicodedata.normalize("NFC", out))
        self.assertEqual(len(out), 3)

    def test_a_letter_with_no_composed_form_keeps_its_combining_mark(self):
        self.assertEqual(to_unicode(r"{\={P}}ot"), "P\u0304ot")

    def test_an_accent_over_nothing_is_the_accent_itself(self):
        self.assertEqual(to_unicode(r"\'{}"), "´")


class EscapeAndPunctuationTests(TestCase):
    def test_it_unescapes_the_special_characters(self):
        self.assertEqual(
            to_unicode(r"R\&D, 50\%, snake\_case, \#1, \{x\}"), "R&D, 50%, snake_case, #1, {x}"
        )

    def test_an_escaped_dollar_is_a_dollar_except_where_the_site_typesets_math(self):
        self.assertEqual(to_unicode(r"Costs \$5"), "Costs $5")
        # In a title or abstract a bare $ would open math; \$ is the site's literal dollar.
        self.assertEqual(to_unicode(r"Costs \$5", escape_dollar=True), r"Costs \$5")

    def test_it_turns_tex_dashes_into_dashes(self):
        self.assertEqual(
            to_unicode("pages 12--23 --- or not - really"), "pages 12–23 — or not - really"
        )
        self.assertEqual(to_unicode(r"\textendash\ \textemdash"), "– —")

    def test_a_tie_is_a_space_or_what_the_caller_asks(self):
        self.assertEqual(to_unicode("Volume~2"), "Volume 2")
        self.assertEqual(to_unicode("Donald~E.", tie=NBSP), f"Donald{NBSP}E.")

    def test_it_turns_tex_quotes_into_curly_quotes(self):
        self.assertEqual(to_unicode("``Quoted'' and `single'"), "“Quoted” and ‘single'")

    def test_it_reads_the_control_symbols_for_spacing_and_breaks(self):
        self.assertEqual(
            to_unicode(r"L.\ Thiele, a\\b, x\,y, hy\-phen"), "L. Thiele, a b, x y, hyphen"
        )


class BraceAndCommandTests(TestCase):
    def test_it_removes_protective_braces(self):
        self.assertEqual(
            to_unicode("{BERT}: Pre-training of {Deep} {T}ransformers"),
            "BERT: Pre-training of Deep Transformers",
        )
        self.assertEqual(
            to_unicode("Haw{-}Shiuan {{An}} amazing {title}"), "Haw-Shiuan An amazing title"
        )

    def test_formatting_commands_keep_their_argument(self):
        self.assertEqual(
            to_unicode(r"\emph{Deep} \textbf{Residual} \mbox{G-Animal's} {\em Learning}"),
            "Deep Residual G-Animal's Learning",
        )

    def test_logos_and_unknown_commands_without_argument_are_spelled_out(self):
        self.assertEqual(to_unicode(r"\TeX{} and \LaTeX\ and \BibTeX"), "TeX and LaTeX and BibTeX")
        self.assertEqual(to_unicode(r"PC\thinspace\TeX\Dash a review"), "PC TeX—a review")

    def test_a_control_word_swallows_the_spaces_after_it_as_in_tex(self):
        self.assertEqual(to_unicode(r"Gr\o nbech"), "Grønbech")

    def test_the_sorting_trick_noopsort_leaves_no_trace(self):
        self.assertEqual(to_unicode(r"{\noopsort{1973b}}1973"), "1973")

    def test_urls_inside_a_value_stay_verbatim(self):
        self.assertEqual(
            to_unicode(r"see \url{http://x.org/~me/a--b}"), "see http://x.org/~me/a--b"
        )
        self.assertEqual(to_unicode(r"mail \path|beebe@math.utah.edu|"), "mail beebe@math.utah.edu")

    def test_spacing_commands_drop_their_dimension(self):
        self.assertEqual(to_unicode(r"(\kern-.1em\AMS\kern.05em-)\LaTeX"), "(AMS-)LaTeX")


class MathTests(TestCase):
    def test_math_is_kept_as_tex_for_the_site_to_typeset(self):
        self.assertEqual(
            to_unicode(r"The {$\alpha$}-divergence --- ~x"), r"The $\alpha$-divergence — x"
        )
        self.assertEqual(
            to_unicode(r"An {$O(n \log n / \! \log\log n)$} Sorting Algorithm"),
            r"An $O(n \log n / \! \log\log n)$ Sorting Algorithm",
        )

    def test_braces_and_dashes_inside_math_are_untouched(self):
        self.assertEqual(
            to_unicode(r"$x^{2}--y_{i}$ and $$\sum_{k}$$"), r"$x^{2}--y_{i}$ and $$\sum_{k}$$"
        )

    def test_paren_math_and_ensuremath_become_dollar_math(self):
        self.assertEqual(
            to_unicode(r"\(\beta\)-VAE and \ensuremath{\gamma}"), r"$\beta$-VAE and $\gamma$"
        )

    def test_a_lone_dollar_is_just_a_character(self):
        self.assertEqual(to_unicode("5$ only"), "5$ only")


class WhitespaceTests(TestCase):
    def test_it_collapses_whitespace_and_strips(self):
        self.assertEqual(to_unicode("  An\n\tamazing   title \n"), "An amazing title")

    def test_paragraphs_survive_when_asked_for(self):
        text = "First  line\nstill first.\n\n  Second.\\par Third."
        self.assertEqual(
            to_unicode(text, paragraphs=True), "First line still first.\n\nSecond.\n\nThird."
        )
        self.assertEqual(to_unicode(text), "First line still first. Second. Third.")

    def test_plain_text_passes_through_unchanged(self):
        self.assertEqual(to_unicode("Методы вычисления"), "Методы вычисления")
        self.assertEqual(to_unicode(""), "")


class StripBracesTests(TestCase):
    def test_it_unescapes_a_verbatim_value_without_touching_tildes_or_dashes(self):
        self.assertEqual(strip_braces(r"10.1007/11880561\_13"), "10.1007/11880561_13")
        self.assertEqual(
            strip_braces(r"{http://x.org/~me/a--b?q=1\&r=2}"), "http://x.org/~me/a--b?q=1&r=2"
        )


class HostileInputTests(TestCase):
    def test_unbalanced_braces_and_dangling_commands_do_not_raise(self):
        for text in ("{{{", "}}}a", r"\emph{", "\\", r"\c", r"\'", r"$\alpha", r"\verb|x", r"\(x"):
            with self.subTest(text=text):
                self.assertIsInstance(to_unicode(text), str)

    def test_deeply_nested_accents_neither_recurse_forever_nor_take_long(self):
        started = time.perf_counter()
        to_unicode("\\'{" * 20000 + "e" + "}" * 20000)
        to_unicode("\\'{" * 20000)
        to_unicode("{" * 100000 + "a" + "}" * 100000)
        self.assertLess(time.perf_counter() - started, 5)
