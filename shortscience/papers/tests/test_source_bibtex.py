# ruff: noqa: RUF001 -- expected values hold the en dashes BibTeX's -- means.
from __future__ import annotations

import gzip
import re
import tempfile
import time
from datetime import date
from pathlib import Path
from unittest import mock, skipUnless

from django.conf import settings
from django.test import SimpleTestCase

from shortscience.lib.latex import NBSP
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import bibtex

DATA = Path(__file__).parent / "data" / "bibtex"
# GPL test material (papis, volkm/bibtex-dblp) is only read from the shared folder, never
# copied into the project; the tests using it skip when the folder is absent.
SHARED = Path(settings.BASE_DIR).parent / "shared" / "testdata"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def names(record: PaperRecord) -> list[str]:
    return [a.name for a in record.authors]


def by_key(records: list[PaperRecord]) -> dict[str, PaperRecord]:
    return {r.extra["bibtex_key"]: r for r in records}


def one(text: str) -> PaperRecord:
    [record] = bibtex.parse(text)
    return record


class BibtexparserV1FileTests(SimpleTestCase):
    def test_it_reads_an_article_field_by_field(self):
        [record] = bibtex.parse(read("article.bib"))
        self.assertEqual(record.title, "An amazing title")
        self.assertEqual(record.authors, [AuthorInfo(name="Jean César")])
        self.assertEqual(
            record.abstract,
            "This is an abstract. This line should be long enough to test multilines... "
            "and with a french érudit word",
        )
        self.assertEqual(record.year, 2013)
        self.assertIsNone(record.published)  # a month without a day makes no date
        self.assertEqual(record.venue_name, "Nice Journal")
        self.assertEqual(record.venue_kind, "journal")
        self.assertEqual(record.venue_key, "")
        self.assertEqual(record.keywords, ["keyword1", "keyword2"])  # from `keyword`
        self.assertEqual(record.source, "BibTeX")
        self.assertEqual(record.identifiers, {})
        self.assertEqual(record.links, [])
        self.assertEqual(
            record.extra,
            {
                "type": "article",
                "bibtex_key": "Cesar2013",
                "pages": "12-23",
                "volume": "12",
                "month": 1,
            },
        )

    def test_it_decodes_latex_accents_in_names(self):
        [record] = bibtex.parse(read("article_with_special_characters.bib"))
        self.assertEqual(names(record), ["Jean Césarü"])

    def test_it_reads_utf8_text_as_it_is_and_collapses_tabs_and_newlines(self):
        [record] = bibtex.parse(read("encoding.bib"))
        self.assertEqual(record.title, "An amazing title: à")
        self.assertEqual(record.venue_name, "Elémentaire")
        self.assertIn("test multilines...", record.abstract)
        self.assertNotIn("\t", record.abstract)

    def test_it_resolves_string_macros_with_concatenation_and_month_macros(self):
        [record] = bibtex.parse(read("article_with_strings.bib"))
        self.assertEqual(names(record), ["Jean César"])  # jean # " " # cesar
        self.assertEqual(record.venue_name, "Nice Journal")  # journal = nice_journal
        self.assertEqual(record.extra["month"], 1)  # month = jan

    def test_a_string_macro_keeps_its_protected_words_and_double_braces_go(self):
        [record] = bibtex.parse(read("string.bib"))
        self.assertEqual(record.title, "Program-Adaptive Mutational Fuzzing")
        self.assertEqual(
            record.venue_name, "Proceedings of the IEEE Symposium on Security and Privacy"
        )
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(names(record), ["Sang Kil Cha", "Maverick Woo", "David Brumley"])
        self.assertEqual(record.extra["pages"], "725–741")

    def test_the_traps_file_reads_as_bibtex_reads_it(self):
        [record] = bibtex.parse(read("traps.bib"))
        self.assertEqual(record.title, "An amazing title")  # {An} amazing {title}
        # "Jean Laid{\'e},\n Ben Loaeb" is one name in "Last, First" form, as BibTeX sees it.
        self.assertEqual(names(record), ["Ben Loaeb Jean Laidé"])
        self.assertEqual(record.extra["volume"], "n.s. 2")  # n.s.~2

    def test_unknown_entry_types_are_read_and_entries_without_title_are_reported(self):
        with self.assertRaises(ImportFailed) as caught:
            bibtex.parse(read("wrong.bib"))
        message = str(caught.exception)
        self.assertIn("No entry could be read", message)
        self.assertIn("Line 3: @wrong{foo}: it has no title", message)
        self.assertIn("Line 7: @article{bar}: it has no title", message)

    def test_an_empty_file_has_no_entry(self):
        with self.assertRaisesRegex(ImportFailed, "No BibTeX entry found"):
            bibtex.parse(read("empty.bib"))

    def test_comments_alone_are_no_entry(self):
        with self.assertRaisesRegex(ImportFailed, "No BibTeX entry found"):
            bibtex.parse(read("comments_only.bib"))

    def test_percent_comments_between_entries_are_ignored(self):
        records = bibtex.parse(read("comments_percentage.bib"))
        self.assertEqual([names(r) for r in records], [["Jean Cesar"], ["Jean Baltazar"]])

    def test_preambles_are_ignored_and_a_string_can_be_a_whole_title(self):
        [record] = bibtex.parse(read("comments_spaces_and_declarations.bib"))
        self.assertEqual(record.title, "A great title")  # title = title (the @string)

    def test_a_byte_order_mark_is_skipped_in_bytes_and_in_text(self):
        [article] = bibtex.parse(read("article_start_with_bom.bib"))
        self.assertEqual(article.title, "An amazing title")
        [book] = bibtex.parse(read("book_bom.bib"))
        self.assertEqual(book.title, "Dynamics of Polymeric Liquid")
        self.assertEqual(names(book), ["R.B. Bird", "R.C. Armstrong", "O. Hassager"])
        [again] = bibtex.parse(read("book_bom.bib").decode("utf-8"))
        self.assertEqual(again.title, book.title)

    def test_entries_with_and_without_a_last_comma_and_quoted_values_all_read(self):
        records = bibtex.parse(read("article_missing_coma.bib"))
        self.assertEqual(
            [r.extra["bibtex_key"] for r in records],
            ["Cesar2013", "Baltazar2013", "Aimar2013", "Doute2013"],
        )
        self.assertEqual({r.year for r in records}, {2013})  # Doute's year = "2013"
        self.assertEqual(records[2].extra["month"], 1)  # month = "january"

    def test_and_splits_authors_in_capitals_too(self):
        [record] = bibtex.parse(read("book_capital_AND.bib"))
        self.assertEqual(len(record.authors), 3)


class CrossrefTests(SimpleTestCase):
    def test_children_inherit_from_the_parent_which_is_not_returned(self):
        records = by_key(bibtex.parse(read("crossref_entries.bib")))
        self.assertNotIn("cr_m", records)  # the book both cr1 and cr2 are chapters of
        cr1 = records["cr1"]
        self.assertEqual(cr1.title, "Great and Good Graphs")
        self.assertEqual(names(cr1), ["Graham Gullam"])  # the author is the child's own
        self.assertEqual(cr1.venue_name, "Graphs of the Continent")  # the book's title
        self.assertEqual(cr1.year, 1974)
        self.assertEqual(cr1.extra["publisher"], "Grimble")
        self.assertEqual(cr1.extra["editors"], ["Edgar Erbriss"])
        self.assertEqual(cr1.extra["crossref"], "cr_m")
        self.assertEqual(sorted(records), ["cr1", "cr2", "cr3", "cr4", "cr5", "cr6", "cr7", "cr8"])

    def test_a_missing_parent_leaves_the_child_as_it_is(self):
        [record] = bibtex.parse(read("crossref_missing_entries.bib"))
        self.assertEqual(record.title, "Lumbering Lunatics")
        self.assertIsNone(record.year)
        self.assertEqual(record.extra["crossref"], "missing1")

    def test_crossrefs_cascade_and_find_a_parent_by_its_alias(self):
        [record] = bibtex.parse(read("crossref_cascading_aliases.bib"))
        self.assertEqual(record.title, "Perhaps, Perchance, Possibilities?")
        self.assertEqual(record.venue_name, "Misc etc.")  # the parent book's title
        self.assertEqual(record.extra["editors"], ["Edward Editor"])  # the grandparent's

    def test_a_crossref_cycle_ends_and_its_entries_are_reported(self):
        with self.assertRaises(ImportFailed) as caught:
            bibtex.parse(read("crossref_cascading_cycle.bib"))
        self.assertIn("@book{circ1}: it has no title", str(caught.exception))
        self.assertIn("@book{circ2}: it has no title", str(caught.exception))

    def test_entries_naming_each_other_as_parent_are_both_papers(self):
        records = bibtex.parse(
            "@inproceedings{a, title={A}, crossref={b}}\n"
            "@inproceedings{b, title={B}, year=2001, crossref={a}}\n"
        )
        self.assertEqual([r.title for r in records], ["A", "B"])
        self.assertEqual(records[0].year, 2001)

    def test_a_long_chain_without_titles_reports_every_entry(self):
        with self.assertRaisesRegex(ImportFailed, r"@book\{r1\}.*\(and 1 more\)"):
            bibtex.parse(read("crossref_cascading.bib"))

    def test_a_parent_before_its_child_works_too(self):
        [record] = bibtex.parse(
            "@proceedings{p, title={Proc. of X}, year=1999, publisher={ACM}}\n"
            "@inproceedings{c, title={Paper}, crossref={P}}\n"
        )
        self.assertEqual(record.venue_name, "Proc. of X")
        self.assertEqual(record.year, 1999)
        self.assertEqual(record.extra["publisher"], "ACM")

    def test_a_cross_referenced_entry_no_paper_used_is_a_paper_of_its_own(self):
        records = bibtex.parse(
            "@inproceedings{c, crossref={p}}\n@proceedings{p, title={Proc. of X}, year=1999}\n"
        )
        self.assertEqual([r.title for r in records], ["Proc. of X"])


class XamplTests(SimpleTestCase):
    """Oren Patashnik's example file: every entry type, @string, @preamble and crossref."""

    def setUp(self):
        self.records, self.problems = bibtex.parse_report(read("xampl.bib"))
        self.by_key = by_key(self.records)

    def test_every_entry_is_a_record_a_volume_or_a_reported_problem(self):
        entries = len(re.findall(r"(?m)^@(?!string|preamble)", read("xampl.bib").decode(), re.I))
        self.assertEqual(entries, 36)
        self.assertEqual(len(self.records), 30)
        self.assertEqual(
            self.problems,
            [
                "Line 226: @misc{misc-minimal}: it has no title.",
                "Line 358: @misc{random-note-crossref}: it has no title.",
            ],
        )
        for volume in ("whole-journal", "whole-set", "whole-collection", "whole-proceedings"):
            self.assertNotIn(volume, self.by_key)

    def test_it_maps_entry_types_to_venue_kinds(self):
        self.assertEqual(self.by_key["article-full"].venue_kind, "journal")
        self.assertEqual(self.by_key["inproceedings-full"].venue_kind, "conference")
        for key in ("book-full", "inbook-full", "phdthesis-full", "misc-full", "manual-full"):
            self.assertEqual(self.by_key[key].venue_kind, "other", key)
        self.assertEqual(self.by_key["techreport-full"].venue_kind, "other")  # no eprint

    def test_a_cross_referencing_article_takes_the_journal_issue(self):
        record = self.by_key["article-crossref"]
        self.assertEqual(record.venue_name, "G-Animal's Journal")  # \mbox{G-Animal's}
        self.assertEqual(record.year, 1986)
        self.assertEqual(record.extra["volume"], "41")
        self.assertEqual(record.extra["number"], "7")
        self.assertEqual(record.extra["month"], 7)
        self.assertEqual(record.extra["pages"], "73+")

    def test_string_concatenation_builds_the_booktitle_of_a_cross_referenced_paper(self):
        record = self.by_key["inproceedings-crossref"]
        self.assertEqual(
            record.venue_name, "Proc. Fifteenth Annual ACM Symposium on the Theory of Computing"
        )
        self.assertEqual(record.year, 1983)
        self.assertEqual(record.venue_kind, "conference")

    def test_the_noopsort_trick_and_a_day_in_the_month_field(self):
        record = self.by_key["inbook-full"]
        self.assertEqual(record.year, 1973)  # "{\noopsort{1973b}}1973"
        self.assertEqual(record.published, date(1973, 1, 10))  # month = "10~" # jan
        self.assertEqual(record.extra["pages"], "10–119")
        self.assertEqual(record.venue_name, "The Art of Computer Programming")  # the series

    def test_editors_come_from_the_cross_referenced_collection(self):
        record = self.by_key["incollection-crossref"]
        self.assertEqual(
            record.extra["editors"], ["David J. Lipcoll", "D. H. Lawrie", "A. H. Sameh"]
        )
        self.assertEqual(record.venue_name, "High Speed Computer and Algorithm Organization")

    def test_math_in_a_title_is_kept_and_accented_names_are_decoded(self):
        self.assertEqual(
            self.by_key["techreport-full"].title,
            r"An $O(n \log n / \! \log\log n)$ Sorting Algorithm",
        )
        self.assertEqual(names(self.by_key["techreport-full"]), ["Tom Térrific"])
        self.assertEqual(names(self.by_key["mastersthesis-full"]), ["Édouard Masterly"])
        self.assertEqual(
            names(self.by_key["unpublished-full"]),
            ["Ulrich Ünderwood", "Ned Ñet", "Paul P\u0304ot"],
        )


class PybtexFileTests(SimpleTestCase):
    def test_it_reads_cyrillic_and_every_name_form(self):
        records = by_key(bibtex.parse(read("cyrillic.bib")))
        book = records["viktorov-metodoj"]
        self.assertEqual(
            book.title, "Методы вычисления физико-химических величин и прикладные расчёты"
        )
        self.assertEqual(names(book), ["Михаил Маркович Викторов"])
        self.assertEqual(
            names(records["ruckenstein-diffusion"]), ["Hongquin Liu", "Eli Ruckenstein"]
        )
        self.assertEqual(names(records["test-inbook"]), ["Péter Jackson"])
        self.assertEqual(names(records["test-booklet"]), ["First Middle de Last Jr."])
        self.assertEqual(
            records["test-inbook"].links,
            [{"label": "Link", "url": "https://example.com/Peter%20Jackson.html"}],
        )
        self.assertEqual(names(records["inbook-editor"]), [])  # an editor is no author
        self.assertEqual(records["inbook-editor"].extra["editors"], ["Vladimir Ilyich Lenin"])

    def test_tugboat_every_entry_is_read_from_a_big_file(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "tugboat.bib"
            path.write_bytes(gzip.decompress(read("tugboat.bib.gz")))
            text = path.read_text()
            at_lines = re.findall(r"(?m)^@(\w+)", text)
            entries = [t for t in at_lines if t.lower() not in ("string", "preamble", "comment")]
            self.assertEqual((len(at_lines), len(entries)), (2725, 2720))

            started = time.perf_counter()
            results = list(bibtex.iter_file(path))
            seconds = time.perf_counter() - started

            self.assertEqual(len(results), len(entries))
            records = [r for _, r in results if isinstance(r, PaperRecord)]
            failures = [r for _, r in results if isinstance(r, ImportFailed)]
            # Two entries have title = "{}": reported, not guessed.
            self.assertEqual(len(failures), 2)
            self.assertTrue(all("it has no title" in str(f) for f in failures))
            lines = text.split("\n")
            self.assertTrue(all(lines[line - 1].startswith("@") for line, _ in results))

            first_line, first = results[0]
            self.assertEqual(first_line, 154)
            self.assertEqual(first.title, "Editor's Comments")
            self.assertEqual(first.venue_name, "TUGboat")  # journal = j-TUGboat, an @String
            self.assertEqual(first.extra["month"], 10)
            self.assertEqual(len(records), 2718)
            self.assertLess(seconds, 60)  # about a second; a hang or a quadratic scan fails

            self.assertEqual(len(bibtex.parse(text.encode())), len(records))


class OtherSourcesTests(SimpleTestCase):
    def test_a_gbk_file_is_refused_with_what_to_do(self):
        with self.assertRaises(ImportFailed) as caught:
            bibtex.parse(read("gbk_test.bib"))
        self.assertIn("The file is not UTF-8", str(caught.exception))
        self.assertIn("save it as UTF-8", str(caught.exception))

    def test_crossref_content_negotiation_bibtex_on_one_line(self):
        [record] = bibtex.parse(read("crossref_science.169.3946.635.bib"))
        self.assertEqual(
            record.title,
            "The Structure of Ordinary Water: New data and interpretations are yielding "
            "new insights into this fascinating substance.",
        )
        self.assertEqual(names(record), ["Henry S. Frank"])
        self.assertEqual(record.year, 1970)
        self.assertIsNone(record.published)
        self.assertEqual(record.extra["month"], 8)  # month=Aug, unbraced
        self.assertEqual(record.extra["pages"], "635–641")  # already an en dash
        self.assertEqual(record.identifiers, {"doi": "10.1126/science.169.3946.635"})
        self.assertEqual(record.links, [])  # its url is the DOI's
        self.assertEqual((record.venue_name, record.venue_kind), ("Science", "journal"))
        self.assertEqual(
            record.extra["publisher"], "American Association for the Advancement of Science (AAAS)"
        )

    def test_dblp_2013_format_with_a_corr_volume(self):
        [record] = bibtex.parse(read("DBLP_journals_corr_ZeilerF13_2013format.bib"))
        self.assertEqual(record.title, "Visualizing and Understanding Convolutional Networks")
        self.assertEqual(names(record), ["Matthew D. Zeiler", "Rob Fergus"])
        self.assertEqual(record.year, 2013)
        self.assertEqual(
            record.identifiers, {"arxiv": "1311.2901", "dblp": "journals/corr/ZeilerF13"}
        )
        self.assertEqual(
            (record.venue_key, record.venue_name, record.venue_kind),
            ("journals/corr", "CoRR", "preprint"),
        )
        self.assertEqual(record.links, [])  # the arxiv.org url is the arXiv id's

    def test_dblp_with_an_arxiv_eprinttype(self):
        [record] = bibtex.parse(read("DBLP_journals_corr_SzegedyLJSRAEVR14.bib"))
        self.assertEqual(record.title, "Going Deeper with Convolutions")
        self.assertEqual(len(record.authors), 9)
        self.assertEqual(record.authors[4].name, "Scott E. Reed")
        self.assertEqual(
            record.identifiers,
            {"arxiv": "1409.4842", "dblp": "journals/corr/SzegedyLJSRAEVR14"},
        )
        self.assertEqual(record.venue_kind, "preprint")

    def test_dblp_conference_paper_with_escaped_hyphens_and_a_protected_title(self):
        [record] = bibtex.parse(read("DBLP_conf_acl_ChangSRM23.bib"))
        self.assertEqual(
            record.title, "Multi-CLS BERT: An Efficient Alternative to Traditional Ensembling"
        )
        self.assertEqual(
            names(record), ["Haw-Shiuan Chang", "Ruei-Yao Sun", "Kathryn Ricci", "Andrew McCallum"]
        )
        self.assertEqual(record.year, 2023)
        self.assertEqual((record.venue_key, record.venue_kind), ("conf/acl", "conference"))
        self.assertTrue(record.venue_name.startswith("Proceedings of the 61st Annual Meeting"))
        self.assertEqual(
            record.identifiers,
            {"doi": "10.18653/v1/2023.acl-long.48", "dblp": "conf/acl/ChangSRM23"},
        )
        self.assertEqual(
            record.extra["editors"], ["Anna Rogers", "Jordan L. Boyd-Graber", "Naoaki Okazaki"]
        )
        self.assertEqual(record.extra["pages"], "821–854")
        self.assertEqual(record.links, [])


class NameTests(SimpleTestCase):
    def authors(self, value: str) -> PaperRecord:
        return one(f"@misc{{x, title={{T}}, author={{{value}}}}}")

    def test_every_bibtex_name_form_becomes_first_von_last_jr(self):
        cases = {
            "von Beethoven, Ludwig": "Ludwig von Beethoven",
            "van Beethoven, Ludwig": "Ludwig van Beethoven",
            "Ludwig van Beethoven": "Ludwig van Beethoven",
            "Ford, Jr., Henry": "Henry Ford Jr.",
            "Jean de La Fontaine": "Jean de La Fontaine",
            "de La Fontaine, Jean": "Jean de La Fontaine",
            "Knuth, Donald E.": "Donald E. Knuth",
            r"Gr{\"u}n, J{\"o}rg": "Jörg Grün",
        }
        for value, expected in cases.items():
            with self.subTest(value=value):
                self.assertEqual(names(self.authors(value)), [expected])

    def test_a_braced_name_is_one_name_even_with_and_and_a_comma(self):
        record = self.authors("{Barnes and Noble, Inc.} and Jane Doe")
        self.assertEqual(names(record), ["Barnes and Noble, Inc.", "Jane Doe"])

    def test_others_is_dropped_and_noted(self):
        record = self.authors("Donald E. Knuth and others")
        self.assertEqual(names(record), ["Donald E. Knuth"])
        self.assertIs(record.extra["et_al"], True)
        self.assertNotIn("et_al", self.authors("Donald E. Knuth").extra)

    def test_and_splits_in_any_case_and_across_lines_but_not_inside_words(self):
        record = self.authors("Ann Anderson AND Bob Sandberg\n and  Cy Andrews")
        self.assertEqual(names(record), ["Ann Anderson", "Bob Sandberg", "Cy Andrews"])

    def test_a_tie_inside_a_braced_name_is_a_no_break_space(self):
        self.assertEqual(names(self.authors("{Donald~E.} Knuth")), [f"Donald{NBSP}E. Knuth"])
        self.assertEqual(names(self.authors("Donald~E.~Knuth")), ["Donald E. Knuth"])


class FieldMappingTests(SimpleTestCase):
    def test_google_scholars_arxiv_preprint_is_an_arxiv_preprint(self):
        record = one(
            "@article{devlin2018bert, title={{BERT}: Pre-training of deep bidirectional "
            "transformers}, author={Devlin, Jacob and Chang, Ming-Wei}, "
            "journal={arXiv preprint arXiv:1810.04805}, year={2018}}"
        )
        self.assertEqual(record.title, "BERT: Pre-training of deep bidirectional transformers")
        self.assertEqual(record.identifiers, {"arxiv": "1810.04805"})
        self.assertEqual(
            (record.venue_key, record.venue_name, record.venue_kind),
            ("journals/corr", "arXiv", "preprint"),
        )

    def test_an_eprint_with_arxiv_prefix_keeps_its_version(self):
        record = one(
            "@misc{v, title={Attention Is All You Need}, eprint={1706.03762v5}, "
            "archivePrefix={arXiv}, primaryClass={cs.CL}, year={2017}}"
        )
        self.assertEqual(record.identifiers, {"arxiv": "1706.03762v5"})
        self.assertEqual(record.venue_kind, "preprint")

    def test_semantic_scholars_arxiv_volume_is_an_arxiv_id(self):
        record = one("@article{s, title={T}, journal={ArXiv}, volume={abs/1810.04805}, year=2018}")
        self.assertEqual(record.identifiers, {"arxiv": "1810.04805"})
        self.assertEqual(record.venue_kind, "preprint")

    def test_an_eprint_of_another_archive_is_no_arxiv_id(self):
        record = one("@misc{j, title={T}, eprint={1706.03762}, eprinttype={jstor}}")
        self.assertEqual(record.identifiers, {})
        self.assertEqual(record.venue_kind, "preprint")

    def test_arxivs_own_doi_gives_the_arxiv_id(self):
        record = one("@misc{a, title={T}, doi={10.48550/arXiv.1706.03762}}")
        self.assertEqual(record.identifiers, {"arxiv": "1706.03762"})

    def test_a_doi_comes_from_the_doi_field_or_a_doi_url(self):
        self.assertEqual(
            one(r"@article{a, title={T}, doi={https://doi.org/10.1000/ABC\_1}}").identifiers,
            {"doi": "10.1000/ABC_1"},
        )
        self.assertEqual(
            one("@article{a, title={T}, url={https://dx.doi.org/10.1000/xyz}}").identifiers,
            {"doi": "10.1000/xyz"},
        )

    def test_a_dblp_biburl_gives_the_dblp_key_and_its_venue(self):
        record = one(
            "@inproceedings{vaswani, title={Attention is All you Need}, "
            "biburl={https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17.bib}}"
        )
        self.assertEqual(record.identifiers, {"dblp": "conf/nips/VaswaniSPUJGKP17"})
        self.assertEqual(record.venue_key, "conf/nips")

    def test_a_dblp_corr_key_hides_an_arxiv_id(self):
        record = one("@article{DBLP:journals/corr/abs-1707-06684, title={T}, journal={CoRR}}")
        self.assertEqual(
            record.identifiers,
            {"dblp": "journals/corr/abs-1707-06684", "arxiv": "1707.06684"},
        )

    def test_links_are_web_addresses_only(self):
        record = one(
            "@misc{a, title={T}, url={https://example.org/paper}, pdf={http://example.org/p.pdf}}"
        )
        self.assertEqual(
            record.links,
            [
                {"label": "Link", "url": "https://example.org/paper"},
                {"label": "PDF", "url": "http://example.org/p.pdf"},
            ],
        )
        for url in (
            "javascript:alert(1)",
            "ftp://example.org/x",
            "/local/file.pdf",
            "http://",
            "http://[broken",
            'http://x.org/"onmouseover="alert(1)',
        ):
            with self.subTest(url=url):
                self.assertEqual(one(f"@misc{{a, title={{T}}, url={{{url}}}}}").links, [])

    def test_keywords_split_on_commas_and_semicolons(self):
        record = one(r"@misc{a, title={T}, keywords={deep learning; {GAN}s, Caf{\'e}, gans}}")
        self.assertEqual(record.keywords, ["deep learning", "GANs", "Café"])  # gans: a repeat

    def test_an_abstract_keeps_its_math_and_paragraphs(self):
        record = one(
            "@article{a, title={T}, abstract={We show $\\alpha < 1$ costs \\$5.\n\nSecond.}}"
        )
        self.assertEqual(record.abstract, "We show $\\alpha < 1$ costs \\$5.\n\nSecond.")

    def test_a_full_date_gives_the_published_date_and_a_partial_one_only_the_year(self):
        full = one("@online{a, title={T}, date={2019-05-12}}")
        self.assertEqual((full.year, full.published), (2019, date(2019, 5, 12)))
        partial = one("@online{a, title={T}, date={2019-05}}")
        self.assertEqual((partial.year, partial.published, partial.extra["month"]), (2019, None, 5))
        with_day = one("@misc{a, title={T}, year=2020, month=feb, day={29}}")
        self.assertEqual(with_day.published, date(2020, 2, 29))
        impossible = one("@misc{a, title={T}, year=2021, month=feb, day={30}}")
        self.assertIsNone(impossible.published)

    def test_a_subtitle_joins_the_title(self):
        self.assertEqual(one("@book{a, title={Main}, subtitle={Sub}}").title, "Main: Sub")

    def test_the_extra_facts_are_kept_and_empty_ones_left_out(self):
        record = one(
            "@article{K, title={T}, journal={J}, volume={3}, issue={2}, pages={1--9}, "
            "publisher={P}, note={N}}"
        )
        self.assertEqual(
            record.extra,
            {
                "type": "article",
                "bibtex_key": "K",
                "pages": "1–9",
                "volume": "3",
                "number": "2",
                "publisher": "P",
                "note": "N",
            },
        )

    def test_a_commented_out_line_inside_a_value_is_dropped(self):
        record = one("@misc{a, title={T}, author={Shi,\n% a comment\n Fazhan and Rong, Xing}}")
        self.assertEqual(names(record), ["Fazhan Shi", "Xing Rong"])


class PartialFailureTests(SimpleTestCase):
    def test_good_entries_come_back_and_broken_ones_are_reported_with_their_line(self):
        text = (
            "@article{good1, title={One}}\n"
            "@article{broken, title={Two\n"
            "@article{good2, title={Three}}\n"
            "@article{notitle, year=2001}\n"
        )
        records, problems = bibtex.parse_report(text)
        self.assertEqual([r.title for r in records], ["One", "Three"])
        self.assertEqual(len(problems), 2)
        self.assertTrue(problems[0].startswith("Line 2: '@article{broken, title={Two'"))
        self.assertIn("not closed", problems[0])
        self.assertEqual(problems[1], "Line 4: @article{notitle}: it has no title.")
        self.assertEqual([r.title for r in bibtex.parse(text)], ["One", "Three"])

    def test_a_repeated_key_is_reported_and_the_first_entry_kept(self):
        records, problems = bibtex.parse_report(
            "@misc{k, title={First}}\n@misc{K, title={Second}}\n"
        )
        self.assertEqual([r.title for r in records], ["First"])
        self.assertEqual(
            problems, ["Line 2: @misc{K}: the key is used before, on line 1; skipped."]
        )

    def test_a_repeated_field_keeps_the_first_value_as_bibtex_does(self):
        self.assertEqual(one("@misc{k, title={First}, title={Second}}").title, "First")

    def test_an_undefined_string_is_named_when_it_leaves_no_title(self):
        with self.assertRaisesRegex(ImportFailed, r"no title \(undefined @string: mytitle\)"):
            bibtex.parse("@misc{k, title=mytitle}")

    def test_a_malformed_value_names_the_field(self):
        records, problems = bibtex.parse_report(
            '@misc{a, title={Fine}}\n@misc{b, title={X} # }\n@string{s = "a" "b"}\n'
        )
        self.assertEqual(len(records), 1)
        self.assertEqual(
            problems[0], "Line 2: @misc{b}: its title ends with a # and nothing after it."
        )
        self.assertIn("@string{s}: its value has '\"'", problems[1])

    def test_the_parsers_complaints_are_put_in_words(self):
        text = (
            "@misc{ok, title={Fine}}\n"
            "@article{x title={y}}\n"
            "@article{z, title}\n"
            "@misc{w, title = # {a}}\n"
        )
        _, problems = bibtex.parse_report(text)
        self.assertEqual(
            problems,
            [
                "Line 2: '@article{x title=' could not be read: there is no comma after the entry key.",
                "Line 3: '@article{z, title}' could not be read: a field has no = between its name and its value.",
                "Line 4: @misc{w}: its title has a stray '#'.",
            ],
        )

    def test_a_name_too_long_to_be_one_fails_its_entry(self):
        with self.assertRaisesRegex(
            ImportFailed, "@misc{a}: it could not be read .a name is longer"
        ):
            bibtex.parse("@misc{a, title={T}, author={" + "Verylongname" * 30 + "}}")

    def test_a_venue_name_too_long_for_the_library_is_shortened_between_words(self):
        record = one("@article{a, title={T}, journal={" + "Journal of Words " * 30 + "}}")
        self.assertLessEqual(len(record.venue_name), 300)
        self.assertTrue(record.venue_name.endswith("…"))
        self.assertLessEqual(set(record.venue_name[:-1].split()), {"Journal", "of", "Words"})

    def test_a_title_too_long_to_be_one_is_refused(self):
        with self.assertRaisesRegex(ImportFailed, "longer than 1000 characters"):
            bibtex.parse("@misc{a, title={" + "word " * 300 + "}}")


class HostileInputTests(SimpleTestCase):
    def test_unbalanced_braces_are_refused_with_the_line(self):
        with self.assertRaises(ImportFailed) as caught:
            bibtex.parse("\n@article{x, title={An {unclosed title}, year=2020}\n")
        self.assertIn("No entry could be read. Line 2:", str(caught.exception))
        self.assertIn('a { or " is not closed', str(caught.exception))

    def test_text_without_entries_is_refused(self):
        for text in ("hello world", "   ", "@", "@@@@", "{}{}{}", "@article"):
            with self.subTest(text=text), self.assertRaises(ImportFailed):
                bibtex.parse(text)

    def test_binary_junk_is_refused(self):
        with self.assertRaisesRegex(ImportFailed, "not a text file"):
            bibtex.parse(bytes(range(256)) * 10)
        with self.assertRaisesRegex(ImportFailed, "not UTF-8"):
            bibtex.parse(bytes(range(128, 256)) * 10)
        with self.assertRaisesRegex(ImportFailed, "not a text file"):
            bibtex.parse("@misc{a, title={T}}" + "\x01\x02\x03" * 100)

    def test_a_payload_over_five_megabytes_is_refused_as_bytes_and_as_text(self):
        big = "@misc{a, title={T}, note={" + "x" * (6 * 1024 * 1024) + "}}"
        with self.assertRaisesRegex(ImportFailed, "larger than 5 MB"):
            bibtex.parse(big)
        with self.assertRaisesRegex(ImportFailed, "larger than 5 MB"):
            bibtex.parse(big.encode())
        # Just under the limit in characters, but over it in bytes.
        wide = "@misc{a, title={T}, note={" + "é" * (3 * 1024 * 1024) + "}}"
        with self.assertRaisesRegex(ImportFailed, "larger than 5 MB"):
            bibtex.parse(wide)

    def test_many_broken_entries_are_summarized(self):
        text = "".join(f"@misc{{k{i}, year=2000}}\n" for i in range(10))
        with self.assertRaisesRegex(ImportFailed, r"\(and 7 more\)"):
            bibtex.parse(text)

    def test_deep_nesting_and_long_values_do_not_hang(self):
        started = time.perf_counter()
        records, problems = bibtex.parse_report(
            "@misc{a, title={" + "{" * 5000 + "x" + "}" * 5000 + "}}\n"
            "@misc{b, title={" + "\\'{" * 3000 + "e" + "}" * 3000 + "}}\n"
        )
        self.assertEqual(records[0].title, "x")
        self.assertEqual(problems, ["Line 2: @misc{b}: its title is longer than 1000 characters."])
        self.assertLess(time.perf_counter() - started, 10)


class EncodingTests(SimpleTestCase):
    def test_a_plausible_latin1_file_is_read_and_said_so(self):
        records, problems = bibtex.parse_report(
            "@article{a, title={El\xe9mentaire}, author={J\xfcrgen M\xfcller}}".encode("latin-1")
        )
        self.assertEqual(records[0].title, "Elémentaire")
        self.assertEqual(names(records[0]), ["Jürgen Müller"])
        self.assertIn("read as Latin-1", problems[0])

    def test_windows_1252_quotes_are_not_taken_for_latin1(self):
        with self.assertRaisesRegex(ImportFailed, "not UTF-8"):
            bibtex.parse("@misc{a, title={\u201cQuoted\u201d}}".encode("cp1252"))

    def test_a_declared_encoding_is_honoured(self):
        payload = "% Encoding: windows-1252\n@misc{a, title={\u201cQuoted\u201d}}".encode("cp1252")
        records, problems = bibtex.parse_report(payload)
        self.assertEqual(records[0].title, "\u201cQuoted\u201d")
        self.assertIn("read as windows-1252", problems[0])

    def test_a_wrong_declared_encoding_is_refused(self):
        payload = "% Encoding: ascii\n@misc{a, title={Caf\xe9}}".encode("latin-1") + b"\x81\x82"
        with self.assertRaisesRegex(ImportFailed, "says it is ascii"):
            bibtex.parse(payload)

    def test_an_unknown_declared_encoding_is_ignored(self):
        with self.assertRaisesRegex(ImportFailed, "not UTF-8"):
            bibtex.parse(b"% Encoding: klingon\n@misc{a, title={\x81\x82}}")

    def test_utf16_with_a_byte_order_mark_is_read(self):
        [record] = bibtex.parse("@misc{a, title={Caf\xe9}}".encode("utf-16"))
        self.assertEqual(record.title, "Café")


class IterFileTests(SimpleTestCase):
    def write(self, folder: str, content: bytes) -> Path:
        path = Path(folder) / "library.bib"
        path.write_bytes(content)
        return path

    def test_small_chunks_read_the_same_records_as_one_text(self):
        whole = bibtex.parse(read("xampl.bib"))
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(bibtex, "CHUNK_BYTES", 300):
            results = list(bibtex.iter_file(self.write(folder, read("xampl.bib"))))
        streamed = sorted(
            ((line, r) for line, r in results if isinstance(r, PaperRecord)), key=lambda p: p[0]
        )
        self.assertEqual([r for _, r in streamed], whole)

    def test_a_parent_in_an_earlier_chunk_is_found(self):
        content = (
            "@proceedings{p, title={Proc. of X}, year=1999}\n"
            + "".join(f"@misc{{filler{i}, title={{Filler {i}}}}}\n" for i in range(20))
            + "@inproceedings{c, title={Paper}, crossref={p}}\n"
        ).encode()
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(bibtex, "CHUNK_BYTES", 100):
            results = dict(
                (r.extra["bibtex_key"], (line, r))
                for line, r in bibtex.iter_file(self.write(folder, content))
            )
        self.assertNotIn("p", results)
        line, child = results["c"]
        self.assertEqual((line, child.venue_name, child.year), (22, "Proc. of X", 1999))

    def test_an_undecodable_chunk_is_reported_and_the_rest_read(self):
        content = (
            b"@misc{a, title={Fine}}\n"
            + b"".join(b"@misc{b%d, title={T}}\n" % i for i in range(10))
            + b"@misc{gbk, title={\xbf\xad\xc8\xf6}}\n"
        )
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(bibtex, "CHUNK_BYTES", 50):
            results = list(bibtex.iter_file(self.write(folder, content)))
        failures = [(line, str(r)) for line, r in results if isinstance(r, ImportFailed)]
        self.assertEqual(failures, [(12, "This entry is not utf-8; it was skipped.")])
        self.assertEqual(len(results), 12)  # the entries sharing its chunk are read


@skipUnless(SHARED.is_dir(), "the shared test material is not present")
class SharedGplMaterialTests(SimpleTestCase):
    """GPL files read in place (papis, volkm/bibtex-dblp); never copied into the project."""

    def test_papis_name_forms(self):
        text = (SHARED / "bibtex" / "papis" / "papis_3.bib").read_text()
        # The file has only an author; a title makes it a paper.
        [record] = bibtex.parse(text.replace("author =", "title = {T},\n    author ="))
        self.assertEqual(
            names(record),
            [
                "Charles Louis Xavier Joseph de la Vallee Poussin",
                "Ludwig von Beethoven",
                "Henry Ford Jr.",
            ],
        )

    def test_papis_comment_inside_a_value_and_a_quoted_month(self):
        [record] = bibtex.parse((SHARED / "bibtex" / "papis" / "papis_1.bib").read_bytes())
        self.assertEqual(names(record)[:2], ["Fazhan Shi", "Xing Rong"])
        self.assertEqual(record.extra["month"], 7)
        self.assertEqual(record.abstract, "... to 100 %(concurrent intercalation)...")

    def test_dblp_crossref_format_folds_the_proceedings_into_the_paper(self):
        path = SHARED / "dblp" / "volkm_bibtex-dblp" / "spire_BastMW06_crossref.bib"
        [record] = bibtex.parse(path.read_bytes())
        self.assertEqual(record.title, "Output-Sensitive Autocompletion Search")
        self.assertEqual(record.identifiers["doi"], "10.1007/11880561_13")  # \_ unescaped
        self.assertEqual(record.extra["publisher"], "Springer")
        self.assertEqual(record.extra["volume"], "4209")
        self.assertEqual(
            record.extra["editors"], ["Fabio Crestani", "Paolo Ferragina", "Mark Sanderson"]
        )
        self.assertEqual(record.venue_key, "conf/spire")

    def test_biber_examples_read_without_an_exception(self):
        records, problems = bibtex.parse_report(
            (SHARED / "bibtex" / "bibtexparser_v1" / "biber-examples.bib").read_bytes()
        )
        self.assertGreater(len(records), 90)
        self.assertTrue(all(p.startswith("Line ") for p in problems))


class UnicodeDigitTests(SimpleTestCase):
    def test_a_superscript_digit_in_a_day_or_month_is_no_date_not_an_error(self):
        # "²".isdigit() is true, and int("²") raises: such a field is read as no number.
        (record,) = bibtex.parse(
            "@article{k, title={A Title}, author={Ada Lovelace}, year={2020}, month={²}, day={²}}"
        )
        self.assertEqual((record.year, record.published), (2020, None))
