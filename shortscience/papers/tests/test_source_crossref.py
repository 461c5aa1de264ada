from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.test import SimpleTestCase

from shortscience.lib.records import AuthorInfo, ImportFailed
from shortscience.papers.sources import crossref
from shortscience.test import RecordedServer

DATA = Path(__file__).parent / "data" / "crossref"
# GPL-licensed JATS samples (papis) stay outside the project; read them when present.
SHARED_JATS = Path(settings.BASE_DIR).parent / "shared" / "testdata" / "crossref" / "jats_abstracts"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


JCLINPATH_ABSTRACT = """Background

The absence of high-quality next-generation sequencing (NGS) reference material (RM) has impeded the clinical use of liquid biopsies with plasma cell-free DNA (cfDNA) in China.

Objective

This study aimed to develop a national RM panel for external quality assessment and performance evaluation during kit registration of non-small-cell lung cancer (NSCLC)-related Kirsten rat sarcoma viral oncogene (KRAS)/neuroblastoma ras oncogene (NRAS)/epidermal growth factor receptor (EGFR)/B-type Raf kinase (BRAF)/mesenchymal\u2013epithelial transition factor (MET) genetic assays using plasma circulating tumor DNA (ctDNA).

Methods

Mutation cell lines detected by NGS and validated by Sanger sequencing were selected to establish the RM. Cell line genomic DNA was sheared and used to spike basal plasma cfDNA at 10% concentration. Then, the calibration accuracy was determined by four sequencing platforms. Average values were adopted and diluted to 0.1%, 0.3%, 1% and 3% concentrations with basal plasma as the RM panel. Then, five manufacturers were invited to evaluate the performance of the RM panel.

Results

20\u2009cell lines with 23 clinically important mutations were selected, including six mutations in KRAS, two mutations in NRAS, three in BRAF, four in phosphatidylinositol-4,5-bisphosphate 3-kinase catalytic subunit alpha (PIK3CA), six in EGFR, one EGFR Gain (4-5 copy) and one MET Gain (2-5 copy). The RM panel consisted of 87 samples, including these 21 mutations at four concentrations (0.1%, 0.3%, 1% and 3%), one MET gain, one EGFR gain and one wild type. The detection rate was 100% for the 3%, 1% and 0.3% samples at all five companies. For the 0.1% concentration, 15 samples had inconsistent results, but at least three companies had correct results for each mutation.

Conclusion

RM for a KRAS/NRAS/EGFR/BRAF/MET mutation panel for plasma ctDNA was developed, which will be essential for quality control of the performance of independent laboratories."""


class ParseWorkTests(SimpleTestCase):
    def test_it_reads_a_proceedings_article_dated_only_by_its_creation(self):
        [record] = crossref.parse(read("work_10.1109_icdcsw.2003.1203662_200.json"))
        self.assertEqual(
            record.title, "Accurate and explicit differentiation of wireless and congestion losses"
        )
        self.assertEqual(
            record.authors, [AuthorInfo(name="V. Arya"), AuthorInfo(name="T. Turletti")]
        )
        self.assertEqual(
            record.venue_name,
            "23rd International Conference on Distributed Computing Systems Workshops, 2003. Proceedings.",
        )
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(record.venue_key, "")
        # issued is [[null]] here, so the record's creation date is the only one there is.
        self.assertEqual(record.published, date(2004, 6, 22))
        self.assertEqual(record.year, 2004)
        self.assertEqual(record.identifiers, {"doi": "10.1109/icdcsw.2003.1203662"})
        self.assertEqual(record.abstract, "")
        self.assertEqual(record.links, [])  # its only link is http and not a PDF
        self.assertEqual(record.source, "Crossref")
        self.assertEqual(
            record.extra, {"publisher": "IEEE", "type": "proceedings-article", "pages": "877-882"}
        )

    def test_it_strips_markup_and_layout_line_breaks_from_a_title(self):
        [record] = crossref.parse(read("work_10.1136_jclinpath-2020-206745_200.json"))
        self.assertEqual(
            record.title,
            "Construction of a reference material panel for detecting "
            "KRAS/NRAS/EGFR/BRAF/MET mutations in plasma ctDNA",
        )

    def test_it_turns_a_sectioned_jats_abstract_into_paragraphs(self):
        [record] = crossref.parse(read("work_10.1136_jclinpath-2020-206745_200.json"))
        self.assertEqual(record.abstract, JCLINPATH_ABSTRACT)

    def test_it_keeps_affiliations_orcids_and_the_earliest_date(self):
        [record] = crossref.parse(read("work_10.1136_jclinpath-2020-206745_200.json"))
        self.assertEqual(len(record.authors), 15)
        self.assertEqual(
            record.authors[0],
            AuthorInfo(
                name="Jun Xu",
                affiliation="Department of Neurosurgery, China-Japan Friendship Hospital, Beijing, China",
            ),
        )
        self.assertEqual(
            record.authors[13],
            AuthorInfo(
                name="Xuexi Yang",
                orcid="0000-0002-3513-6501",
                affiliation="School of Laboratory Medicine and Biotechnology, Southern Medical University, Guangzhou, China",
            ),
        )
        self.assertEqual(record.authors[14].name, "Jie Huang")
        # published-online 2020-08-17 comes before published-print 2021-05.
        self.assertEqual(record.published, date(2020, 8, 17))
        self.assertEqual(record.venue_name, "Journal of Clinical Pathology")
        self.assertEqual(record.venue_kind, "journal")
        self.assertEqual(record.identifiers, {"doi": "10.1136/jclinpath-2020-206745"})
        self.assertEqual(
            record.extra,
            {
                "publisher": "BMJ",
                "type": "journal-article",
                "issn": ["0021-9746", "1472-4146"],
                "volume": "74",
                "issue": "5",
                "pages": "314-320",
            },
        )

    def test_it_keeps_the_bare_orcid_of_the_authors_that_have_one(self):
        [record] = crossref.parse(read("work_10.1136_esmoopen-2020-000776_200.json"))
        orcids = {a.name: a.orcid for a in record.authors if a.orcid}
        self.assertEqual(
            orcids,
            {"Satoru Iwasa": "0000-0003-3863-9582", "Yasuhide Yamada": "0000-0003-0692-8419"},
        )
        self.assertEqual(len(record.authors), 13)
        self.assertEqual(
            record.title,
            "Phase II study of lenvatinib for metastatic colorectal cancer refractory to "
            "standard chemotherapy: the LEMON study (NCCH1503)",
        )
        self.assertEqual(record.venue_name, "ESMO Open")

    def test_it_fills_a_year_only_date_with_the_first_of_january(self):
        [record] = crossref.parse(read("work_10.1136_esmoopen-2020-000776_200.json"))
        self.assertEqual(record.published, date(2020, 1, 1))
        self.assertEqual(record.year, 2020)

    def test_it_keeps_non_ascii_text_and_one_https_pdf_link(self):
        [record] = crossref.parse(read("work_10.1038_srep16696_200.json"))
        self.assertEqual(
            record.title,
            "Single-molecule FRET studies on alpha-synuclein oligomerization of "
            "Parkinson\u2019s disease genetically related mutants",
        )
        self.assertTrue(record.abstract.startswith("Oligomers of alpha-synuclein are toxic"))
        self.assertIn("single-molecule F\u00f6rster Resonance Energy Transfer", record.abstract)
        self.assertNotIn("Abstract", record.abstract)  # the leading <jats:title> is dropped
        self.assertTrue(record.abstract.endswith("for triggering neurodegeneration."))
        self.assertEqual(
            record.links, [{"label": "PDF", "url": "https://www.nature.com/articles/srep16696.pdf"}]
        )
        self.assertEqual(record.published, date(2015, 11, 19))
        self.assertEqual(record.venue_name, "Scientific Reports")
        self.assertEqual(
            [a.name for a in record.authors],
            [
                "Laura Tosatto",
                "Mathew H. Horrocks",
                "Alexander J. Dear",
                "Tuomas P. J. Knowles",
                "Mauro Dalla Serra",
                "Nunilo Cremades",
                "Christopher M. Dobson",
                "David Klenerman",
            ],
        )

    def test_it_names_an_author_known_only_by_family_name(self):
        [record] = crossref.parse(read("work_10.3892_ijo_00000353_200.json"))
        self.assertEqual(record.authors, [AuthorInfo(name="Stravopodis")])
        self.assertEqual(record.published, date(2009, 6, 26))


class HandWrittenJatsTests(SimpleTestCase):
    """A sample written for these tests (see data/crossref/README.md): the recorded
    responses hold no TeX, and the real samples that do are GPL-licensed."""

    def setUp(self):
        [self.record] = crossref.parse(read("work_handwritten_jats_tex_math.json"))

    def test_it_turns_tex_math_into_dollar_math_without_doubling_delimiters(self):
        self.assertEqual(
            self.record.abstract,
            "Setting\n\n"
            "Agents $u_{i}$ and $x_{j} < y$ share a prior $\\pi(\\theta)$.\n\n"
            "Method\n\n"
            "We minimise $\\sum_{i} \\ell(u_{i})$ with stochastic steps of size \u03b7=0.1 "
            "and momentum $\\beta$ (Fig.\u00a01) & more.",
        )

    def test_it_strips_inline_markup_and_entities_from_the_title(self):
        self.assertEqual(self.record.title, "Learning with ui & friends: a jats sample")

    def test_it_reads_organisation_authors_and_url_orcids(self):
        self.assertEqual(
            self.record.authors,
            [
                AuthorInfo(
                    name="Ada Lovelace",
                    orcid="0000-0002-1825-0097",
                    affiliation="Analytical Engine Society; University of London",
                ),
                AuthorInfo(name="The ShortScience Consortium"),
            ],
        )

    def test_it_takes_the_earliest_date_and_keywords_and_https_pdf_links(self):
        self.assertEqual(self.record.published, date(2017, 1, 1))
        self.assertEqual(
            self.record.keywords, ["Statistics and Probability", "Computer Science Applications"]
        )
        self.assertEqual(
            self.record.links, [{"label": "PDF", "url": "https://example.org/paper.pdf"}]
        )


class JatsTests(SimpleTestCase):
    def test_it_drops_graphics_and_keeps_the_tex_alternative(self):
        jats = (
            "<jats:p>velocity <jats:inline-formula><jats:alternatives>"
            '<jats:inline-graphic xlink:href="a.png"/>'
            "<mml:math><mml:mi>u</mml:mi></mml:math>"
            "<jats:tex-math>$u_{i}$</jats:tex-math>"
            "</jats:alternatives></jats:inline-formula> field</jats:p>"
        )
        self.assertEqual(crossref.jats_to_text(jats), "velocity $u_{i}$ field")

    def test_it_keeps_the_text_of_mathml_without_tex(self):
        jats = "<p>with <mml:math><mml:mi>x</mml:mi>\n<mml:mo>=</mml:mo>\n<mml:mn>2</mml:mn></mml:math>.</p>"
        self.assertEqual(crossref.jats_to_text(jats), "with x=2.")

    def test_it_escapes_dollars_and_backslashes_of_the_text_but_not_of_the_math(self):
        jats = "<jats:p>A $5 a\\b fee, <jats:tex-math>\\alpha</jats:tex-math>.</jats:p>"
        self.assertEqual(crossref.jats_to_text(jats), "A \\$5 a\\\\b fee, $\\alpha$.")

    def test_it_reads_plain_html_paragraphs(self):
        self.assertEqual(
            crossref.jats_to_text("<p>One &lt; two.</p><p>Three.</p>"), "One < two.\n\nThree."
        )

    @skipUnless(SHARED_JATS.is_dir(), "the shared test material is not present")
    def test_it_reads_real_jats_abstracts_with_tex_and_mathml(self):
        text = crossref.jats_to_text((SHARED_JATS / "jats_abstract_2.xml").read_text())
        self.assertIn("uses the velocities $u_{i}(x_{j},t)$ and pressure $p(x_{j},t)$ as", text)
        self.assertIn("four separate field quantities ($u_{i}$, $p$) to that", text)
        self.assertNotIn("png", text)
        text = crossref.jats_to_text((SHARED_JATS / "jats_abstract_3.xml").read_text())
        self.assertTrue(text.startswith("Let $M_n$ be a random $n \\times n$ unitary matrix"))
        text = crossref.jats_to_text((SHARED_JATS / "jats_abstract_4.xml").read_text())
        self.assertTrue(text.startswith("The Space in Your Head\n\nSpace, and events"))
        self.assertIn("(see the Perspective by Palmer and Lynch)? Langston et al. (p. 1576)", text)
        text = crossref.jats_to_text((SHARED_JATS / "jats_abstract_1.xml").read_text())
        self.assertTrue(text.startswith("Aim\n\nTo explore the similarities"))


class ParseListAndErrorTests(SimpleTestCase):
    def test_it_reads_every_item_of_a_works_list(self):
        records = crossref.parse(read("list_test_works_field_queries.json"))
        self.assertEqual(len(records), 20)
        kinds = [r.venue_kind for r in records]
        self.assertEqual(kinds.count("journal"), 17)
        self.assertEqual(kinds.count("preprint"), 2)
        self.assertEqual(kinds.count("other"), 1)  # a dataset

    def test_it_names_a_preprint_by_its_server(self):
        records = crossref.parse(read("list_test_works_field_queries.json"))
        [preprint] = [r for r in records if r.identifiers["doi"] == "10.1101/055319"]
        self.assertEqual(
            preprint.title, "Measurement uncertainty matters: ecological management using POMDPs"
        )
        self.assertEqual(preprint.venue_name, "bioRxiv")
        self.assertEqual(preprint.venue_kind, "preprint")
        self.assertEqual(preprint.published, date(2016, 5, 30))
        self.assertEqual(
            preprint.authors,
            [
                AuthorInfo(name="Milad Memarzadeh", orcid="0000-0001-7672-6033"),
                AuthorInfo(name="Carl Boettiger", orcid="0000-0002-1642-628X"),
            ],
        )

    def test_it_unescapes_entities_and_drops_small_caps_markup(self):
        records = crossref.parse(read("list_test_works_field_queries.json"))
        titles = {r.title for r in records}
        self.assertIn(
            "A Shiny r app to solve the problem of when to stop managing or surveying species "
            "under imperfect detection",
            titles,
        )
        self.assertIn("Big Data & Society", {r.venue_name for r in records})

    def test_it_refuses_the_plain_text_404_body(self):
        with self.assertRaisesRegex(ImportFailed, "not JSON.*Resource not found"):
            crossref.parse(read("work_10.1371_notarealdoi_404.json"))

    def test_it_reports_the_message_of_a_failed_request(self):
        with self.assertRaisesRegex(
            ImportFailed, "This route does not support field query parameters"
        ):
            crossref.parse(read("work_with_query_10.1371_journal.pone.0033693_400.json"))


class FetchTests(SimpleTestCase):
    def routes(self) -> dict:
        return {
            "/works/10.1109/icdcsw.2003.1203662": (
                200,
                read("work_10.1109_icdcsw.2003.1203662_200.json"),
                "application/json",
            ),
            "/works/10.1371/notarealdoi": (
                404,
                read("work_10.1371_notarealdoi_404.json"),
                "text/plain",
            ),
            "/works/10.1371/journal.pone.0033693": (
                400,
                read("work_with_query_10.1371_journal.pone.0033693_400.json"),
                "application/json",
            ),
        }

    def test_it_fetches_a_work_by_doi_politely(self):
        with RecordedServer(self.routes()) as server, self.settings(CROSSREF_API_URL=server.url):
            record = crossref.fetch("doi:10.1109/icdcsw.2003.1203662")
        self.assertEqual(record.identifiers, {"doi": "10.1109/icdcsw.2003.1203662"})
        self.assertEqual(server.requests[0]["path"], "/works/10.1109/icdcsw.2003.1203662")
        self.assertIn("mailto:", server.requests[0]["headers"]["User-Agent"])
        self.assertEqual(server.requests[0]["headers"]["Accept"], "application/json")

    def test_it_answers_none_for_an_unknown_doi(self):
        with RecordedServer(self.routes()) as server, self.settings(CROSSREF_API_URL=server.url):
            self.assertIsNone(crossref.fetch("10.1371/notarealdoi"))

    def test_it_quotes_the_doi_in_the_path(self):
        with RecordedServer(self.routes()) as server, self.settings(CROSSREF_API_URL=server.url):
            self.assertIsNone(crossref.fetch("10.1000/a<b>#c"))
        self.assertEqual(server.requests[0]["path"], "/works/10.1000/a%3Cb%3E%23c")

    def test_it_reports_an_error_answer(self):
        with RecordedServer(self.routes()) as server, self.settings(CROSSREF_API_URL=server.url):
            with self.assertRaisesRegex(ImportFailed, "HTTP 400.*field query parameters"):
                crossref.fetch("10.1371/journal.pone.0033693")

    def test_it_refuses_what_is_not_a_doi(self):
        with self.assertRaisesRegex(ImportFailed, "not a DOI"):
            crossref.fetch("1707.06684")


class CrossrefRelationTests(SimpleTestCase):
    def work(self, relation) -> dict:
        return {
            "status": "ok",
            "message": {"DOI": "10.5555/x.1", "title": ["T"], "relation": relation},
        }

    def test_an_arxiv_preprint_named_in_relations_becomes_an_identifier(self):
        for relation in (
            {
                "has-preprint": [
                    {"id-type": "doi", "id": "10.48550/arXiv.1706.03762", "asserted-by": "subject"}
                ]
            },
            {
                "has-preprint": [
                    {"id-type": "arxiv", "id": "1706.03762v5", "asserted-by": "subject"}
                ]
            },
        ):
            with self.subTest(relation=relation):
                [record] = crossref.parse(json.dumps(self.work(relation)))
                self.assertEqual(record.identifiers["arxiv"][:10], "1706.03762")
                self.assertEqual(record.identifiers["doi"], "10.5555/x.1")

    def test_other_relations_add_nothing(self):
        relation = {
            "is-supplemented-by": [{"id-type": "doi", "id": "10.5281/zenodo.1"}],
            "has-preprint": [{"id-type": "uri", "id": "https://example.org"}],
        }
        [record] = crossref.parse(json.dumps(self.work(relation)))
        self.assertEqual(record.identifiers, {"doi": "10.5555/x.1"})
