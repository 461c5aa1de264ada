from __future__ import annotations

import re
import unicodedata
from unittest import TestCase

from shortscience.lib.records import AuthorInfo, PaperRecord, fold, match_key, surname


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


class PaperRecordTextTests(TestCase):
    """Every importer's record cleans its text once, on creation (lib/text.py)."""

    def dirty(self, **fields) -> PaperRecord:
        return PaperRecord(
            **{
                "title": "Attention\x01 Is\tAll\nYou Need\x0b",
                "authors": [
                    AuthorInfo(
                        name="Ada\x01 Love\x0blace",
                        orcid="0000-0002-1825-0097\x7f",
                        affiliation="Analytical\x85 Engine\nSociety",
                        match_name="Ada Lovelace\x00 0001",
                    )
                ],
                "abstract": "We study\x01 things.\n\nWith $x^2$.\ufffe",
                "venue_key": "conf/nips\x01",
                "venue_name": "NeurIPS\x0b",
                "keywords": ["cs.LG\x01", "stat.ML"],
                "identifiers": {"arxiv": "1706.03762v5\x01"},
                "links": [{"label": "PDF\x01", "url": "https://example.org/a.pdf\x0b"}],
                "extra": {
                    "comments": "15 pages\x01\n3 figures",
                    "versions": 2,
                    "editors": ["Ed\x0b"],
                },
                **fields,
            }
        )

    def test_it_cleans_every_text_field_and_makes_the_one_line_ones_one_line(self):
        record = self.dirty()
        self.assertEqual(record.title, "Attention Is All You Need")
        self.assertEqual(
            record.authors,
            [
                AuthorInfo(
                    "Ada Lovelace",
                    "0000-0002-1825-0097",
                    "Analytical Engine Society",
                    "Ada Lovelace 0001",
                )
            ],
        )
        self.assertEqual(record.abstract, "We study things.\n\nWith $x^2$.")
        self.assertEqual((record.venue_key, record.venue_name), ("conf/nips", "NeurIPS"))
        self.assertEqual(record.keywords, ["cs.LG", "stat.ML"])
        self.assertEqual(record.identifiers, {"arxiv": "1706.03762v5"})
        self.assertEqual(record.links, [{"label": "PDF", "url": "https://example.org/a.pdf"}])
        self.assertEqual(
            record.extra, {"comments": "15 pages\n3 figures", "versions": 2, "editors": ["Ed"]}
        )

    def test_plain_author_names_are_cleaned_too(self):
        record = self.dirty(authors=["Ada\x01 Lovelace", "Charles\tBabbage"])
        self.assertEqual([a.name for a in record.authors], ["Ada Lovelace", "Charles Babbage"])

    def test_a_record_read_back_from_a_dict_is_cleaned(self):
        data = self.dirty().to_dict()
        data["title"] = "Read\x01 back"
        self.assertEqual(PaperRecord.from_dict(data).title, "Read back")

    def test_a_clean_record_keeps_its_own_objects(self):
        authors = [AuthorInfo("Ada Lovelace")]
        extra = {"comments": "15 pages\n3 figures", "versions": 2}
        record = PaperRecord(
            title="Clean ° title 😀", authors=authors, abstract="A\n\nB", extra=extra
        )
        self.assertIs(record.authors, authors)
        self.assertIs(record.extra, extra)
