from __future__ import annotations

from unittest import TestCase

from shortscience.lib.identifiers import Identifier, candidates, normalize, recognize


class IdentifierTests(TestCase):
    def test_it_reads_new_and_old_arxiv_ids_keeping_the_version_for_display(self):
        self.assertEqual(
            candidates("1707.06684v2")[0], Identifier("arxiv", "1707.06684", "1707.06684v2")
        )
        self.assertEqual(
            candidates("hep-th/9901001")[0], Identifier("arxiv", "hep-th/9901001", "hep-th/9901001")
        )
        self.assertEqual(candidates("math.GT/0309136")[0].value, "math.GT/0309136")
        self.assertEqual(candidates("arXiv:2301.00001")[0].value, "2301.00001")

    def test_it_folds_the_case_of_dois(self):
        self.assertEqual(normalize("doi", "10.1145/ABC.Def").value, "10.1145/abc.def")
        self.assertEqual(candidates("https://dx.doi.org/10.1145%2FABC")[0].value, "10.1145/abc")

    def test_it_finds_the_arxiv_id_in_a_corr_dblp_key(self):
        kinds = [(i.kind, i.value) for i in candidates("journals/corr/abs-1707-06684")]
        self.assertIn(("dblp", "journals/corr/abs-1707-06684"), kinds)
        self.assertIn(("arxiv", "1707.06684"), kinds)

    def test_it_reads_urls_of_each_service(self):
        self.assertEqual(candidates("https://arxiv.org/pdf/1707.06684v1")[0].value, "1707.06684")
        self.assertEqual(
            candidates("https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17.html")[0].value,
            "conf/nips/VaswaniSPUJGKP17",
        )
        self.assertEqual(
            candidates("https://openreview.net/forum?id=rJXMpikCZ")[0],
            Identifier("openreview", "rJXMpikCZ", "rJXMpikCZ"),
        )
        self.assertEqual(
            candidates("https://www.shortscience.org/paper?bibtexKey=1707.06684")[0].value,
            "1707.06684",
        )

    def test_it_refuses_what_is_not_an_identifier(self):
        self.assertEqual(candidates(""), [])
        self.assertEqual(candidates("https://example.com/paper"), [])
        with self.assertRaises(ValueError):
            normalize("arxiv", "not-an-id")
        with self.assertRaises(ValueError):
            normalize("isbn", "123")

    def test_anything_else_is_tried_as_a_legacy_key(self):
        self.assertEqual(
            candidates("some key 2016")[-1], Identifier("legacy", "some key 2016", "some key 2016")
        )


class RecognizerTests(TestCase):
    def test_it_recognizes_every_arxiv_form(self):
        for text, value, display in [
            ("2301.00001", "2301.00001", "2301.00001"),
            ("2301.00001v2", "2301.00001", "2301.00001v2"),
            ("hep-th/9901001", "hep-th/9901001", "hep-th/9901001"),
            ("math.GT/0309136", "math.GT/0309136", "math.GT/0309136"),
            ("https://arxiv.org/abs/1706.03762", "1706.03762", "1706.03762"),
            ("https://arxiv.org/pdf/1706.03762v5", "1706.03762", "1706.03762v5"),
            ("http://export.arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", "hep-th/9901001v1"),
            ("https://arxiv.org/html/2301.00001v1", "2301.00001", "2301.00001v1"),
            ("arXiv:1706.03762", "1706.03762", "1706.03762"),
        ]:
            with self.subTest(text=text):
                self.assertEqual(recognize(text), Identifier("arxiv", value, display))

    def test_it_recognizes_every_doi_form(self):
        for text in [
            "10.1145/3292500.3330701",
            "doi:10.1145/3292500.3330701",
            "DOI: 10.1145/3292500.3330701",
            "https://doi.org/10.1145/3292500.3330701",
            "http://dx.doi.org/10.1145/3292500.3330701",
            "https://doi.org/10.1145%2F3292500.3330701",
        ]:
            with self.subTest(text=text):
                self.assertEqual(recognize(text).value, "10.1145/3292500.3330701")

    def test_it_recognizes_dblp_openreview_and_shortscience_urls(self):
        self.assertEqual(recognize("conf/nips/VaswaniSPUJGKP17").kind, "dblp")
        self.assertEqual(
            recognize("https://dblp.org/rec/journals/corr/ZeilerF13.html").value,
            "journals/corr/ZeilerF13",
        )
        self.assertEqual(recognize("https://openreview.net/forum?id=rJXMpikCZ").kind, "openreview")
        self.assertEqual(
            recognize("https://shortscience.org/paper?bibtexKey=journals/corr/ZeilerF13").value,
            "journals/corr/ZeilerF13",
        )

    def test_it_recognizes_bibtex_and_refuses_prose(self):
        self.assertEqual(recognize("@article{key,\n title={T}\n}").kind, "bibtex")
        self.assertEqual(recognize("% from dblp\n@inproceedings{k, title={T}}").kind, "bibtex")
        self.assertIsNone(recognize("deep learning"))
        self.assertIsNone(recognize("rJXMpikCZ"))
        self.assertIsNone(recognize(""))


class UrlEdgeTests(TestCase):
    def test_a_broken_url_is_not_an_identifier(self):
        self.assertEqual(candidates("http://[broken"), [])

    def test_old_dblp_bibtex_urls_name_the_record(self):
        for url in (
            "http://dblp.uni-trier.de/rec/bib/journals/corr/ZeilerF13",
            "https://dblp.org/rec/bibtex/journals/corr/ZeilerF13",
            "https://dblp.org/rec/journals/corr/ZeilerF13.bib",
        ):
            with self.subTest(url=url):
                self.assertEqual(
                    candidates(url)[0],
                    Identifier("dblp", "journals/corr/ZeilerF13", "journals/corr/ZeilerF13"),
                )
