from __future__ import annotations

import re
import unicodedata
from unittest import TestCase

from shortscience.lib.records import fold, match_key, surname


def regex_fold(text: str) -> str:
    """fold() as it was written before its ASCII fast path: the reference it must equal."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(str.maketrans({"ł": "l", "ß": "ss"})))
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


class FoldTests(TestCase):
    def test_it_keeps_only_lower_case_ascii_letters_and_digits(self):
        self.assertEqual(fold("Schrödinger's Cat!"), "schrodingerscat")
        self.assertEqual(fold("GPT-4: A Report (v2)"), "gpt4areportv2")
        self.assertEqual(fold("Łukasik, Groß"), "lukasikgross")
        self.assertEqual(fold(""), "")

    def test_it_folds_ascii_text_as_the_regex_does(self):
        samples = ["Tab\tand\x1fcontrol\x00chars", "under_score", "  -- ", "ABC xyz 019"]
        for text in samples:
            with self.subTest(text=text):
                self.assertEqual(fold(text), regex_fold(text))

    def test_it_drops_what_stays_non_ascii_after_decomposition(self):
        # "中文" has no ASCII decomposition; "Ⅻ" (a Roman numeral) decomposes to "XII".
        self.assertEqual(fold("Deep 中文 Learning"), "deeplearning")
        self.assertEqual(fold("Louis Ⅻ"), "louisxii")


class MatchKeyTests(TestCase):
    def test_it_joins_title_first_author_surname_and_year(self):
        self.assertEqual(
            match_key("Attention Is All You Need", "Ashish Vaswani", 2017),
            "attentionisallyouneed|vaswani|2017",
        )
        self.assertEqual(
            match_key("Über Graphen", "Jürgen Müller 0002", None), "ubergraphen|muller|"
        )
        self.assertEqual(match_key("?!", "Anyone", 2020), "")

    def test_it_takes_the_surname_before_a_comma_or_the_last_word(self):
        self.assertEqual(surname("Wang, Wei"), "Wang")
        self.assertEqual(surname("Wei Wang 0001"), "Wang")
        self.assertEqual(surname("  "), "")
