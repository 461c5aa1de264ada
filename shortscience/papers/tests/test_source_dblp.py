from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path
from unittest import mock, skipUnless

from django.conf import settings
from django.test import SimpleTestCase

from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import dblp
from shortscience.test import RecordedServer

DATA = Path(__file__).parent / "data" / "dblp"
# GPL-licensed dblp BibTeX samples (volkm/bibtex-dblp) stay outside the project.
SHARED_BIBTEX = (
    Path(settings.BASE_DIR).parent / "shared" / "testdata" / "dblp" / "volkm_bibtex-dblp"
)


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


class ParseRecordTests(SimpleTestCase):
    def test_it_reads_a_us_ascii_record_with_its_dblp_wrapper(self):
        [record] = dblp.parse(read("DBLP_conf_nips_VaswaniSPUJGKP17.xml"))
        self.assertEqual(record.title, "Attention is All you Need")  # dblp's final "." goes
        self.assertEqual(
            [a.name for a in record.authors],
            [
                "Ashish Vaswani",
                "Noam Shazeer",
                "Niki Parmar",
                "Jakob Uszkoreit",
                "Llion Jones",
                "Aidan N. Gomez",
                "Lukasz Kaiser",
                "Illia Polosukhin",
            ],
        )
        self.assertEqual(
            record.authors[0], AuthorInfo(name="Ashish Vaswani", match_name="Ashish Vaswani")
        )
        self.assertEqual(record.year, 2017)
        self.assertEqual(record.venue_key, "conf/nips")
        self.assertEqual(record.venue_name, "NIPS")
        self.assertEqual(record.venue_kind, "conference")
        self.assertEqual(record.identifiers, {"dblp": "conf/nips/VaswaniSPUJGKP17"})
        self.assertEqual(
            record.links,
            [
                {
                    "label": "Publisher",
                    "url": "https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
                },
                {
                    "label": "Publisher",
                    "url": "http://papers.nips.cc/paper/7181-attention-is-all-you-need",
                },
            ],
        )
        self.assertEqual(record.extra, {"pages": "5998-6008"})
        self.assertEqual(record.source, "DBLP")

    def test_it_reads_a_bare_record_with_pids_and_takes_the_doi_from_an_ee(self):
        [record] = dblp.parse(read("DBLP_conf_acl_ChangSRM23.xml"))
        self.assertEqual(
            record.title, "Multi-CLS BERT: An Efficient Alternative to Traditional Ensembling"
        )
        self.assertEqual(
            [a.name for a in record.authors],
            ["Haw-Shiuan Chang", "Ruei-Yao Sun", "Kathryn Ricci", "Andrew McCallum"],
        )
        self.assertEqual(
            record.identifiers,
            {"dblp": "conf/acl/ChangSRM23", "doi": "10.18653/v1/2023.acl-long.48"},
        )
        self.assertEqual(
            record.links,
            [{"label": "Publisher", "url": "https://aclanthology.org/2023.acl-long.48"}],
        )
        self.assertEqual((record.venue_key, record.venue_name), ("conf/acl", "ACL (1)"))
        self.assertEqual(record.year, 2023)
        self.assertEqual(record.extra, {"pages": "821-854"})

    def test_it_turns_an_arxiv_doi_into_an_arxiv_id_for_a_corr_record(self):
        [record] = dblp.parse(read("DBLP_journals_corr_abs-2509-05821.xml"))
        self.assertEqual(record.title, "Brain Tumor Detection Through Diverse CNN Architectures")
        self.assertEqual(
            record.authors,
            [
                AuthorInfo(name="Mohsen Asghari Ilani", match_name="Mohsen Asghari Ilani"),
                AuthorInfo(name="Yaser Mohammadi Banadaki", match_name="Yaser Mohammadi Banadaki"),
            ],
        )
        self.assertEqual(
            record.identifiers, {"dblp": "journals/corr/abs-2509-05821", "arxiv": "2509.05821"}
        )
        self.assertEqual(record.links, [])
        self.assertEqual(record.venue_key, "journals/corr")
        self.assertEqual(record.venue_name, "CoRR")
        self.assertEqual(record.venue_kind, "preprint")
        self.assertEqual(record.extra, {"volume": "abs/2509.05821", "publtype": "informal"})

    def test_it_drops_the_disambiguation_number_but_keeps_it_for_matching(self):
        xml = (
            '<article key="journals/tkde/WangL20"><author pid="w/WeiWang1">Wei Wang 0001</author>'
            "<title>On <i>k</i>-NN in R<sup>2</sup>.</title><year>2020</year>"
            "<journal>IEEE Trans. Knowl. Data Eng.</journal><volume>32</volume></article>"
        )
        [record] = dblp.parse(xml)
        self.assertEqual(record.authors, [AuthorInfo(name="Wei Wang", match_name="Wei Wang 0001")])
        self.assertEqual(record.title, "On k-NN in R2")
        self.assertEqual((record.venue_key, record.venue_kind), ("journals/tkde", "journal"))
        self.assertEqual(record.extra, {"volume": "32"})

    def test_it_reads_named_entities_though_dblp_records_use_numeric_ones(self):
        xml = (
            b'<?xml version="1.0" encoding="US-ASCII"?><dblp><article key="journals/x/M">'
            b"<author>J&uuml;rgen M&#252;ller</author><title>Caf&eacute;s?</title>"
            b"<year>2001</year><journal>X</journal></article></dblp>"
        )
        [record] = dblp.parse(xml)
        self.assertEqual(record.authors[0].name, "J\u00fcrgen M\u00fcller")
        self.assertEqual(record.title, "Caf\u00e9s?")

    def test_it_refuses_malformed_xml(self):
        with self.assertRaisesRegex(ImportFailed, "not well-formed XML: mismatched tag: line 1"):
            dblp.parse(b'<dblp><article key="conf/x/Y"><title>T</article></dblp>')

    def test_it_refuses_entities_the_answer_declares_itself(self):
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;">]><article key="conf/x/Y"><title>&lol2;</title></article>'
        )
        with self.assertRaisesRegex(ImportFailed, "undefined entity"):
            dblp.parse(bomb)

    def test_it_answers_nothing_for_a_person_record(self):
        self.assertEqual(dblp.parse(b'<www key="homepages/x/Y"><title>Home Page</title></www>'), [])

    def test_it_refuses_what_is_not_a_dblp_record(self):
        with self.assertRaisesRegex(ImportFailed, "not a dblp record"):
            dblp.parse(b"<html><body>Error 404</body></html>")


class FetchTests(SimpleTestCase):
    def routes(self) -> dict:
        return {
            "/rec/conf/nips/VaswaniSPUJGKP17.xml": (
                200,
                read("DBLP_conf_nips_VaswaniSPUJGKP17.xml"),
                "application/xml; charset=US-ASCII",
            ),
            "/rec/conf/x/Broken.xml": (200, b"<dblp><article>", "application/xml"),
        }

    def test_it_fetches_a_record_by_key(self):
        with RecordedServer(self.routes()) as server, self.settings(DBLP_URL=server.url):
            record = dblp.fetch("DBLP:conf/nips/VaswaniSPUJGKP17")
        self.assertEqual(record.identifiers, {"dblp": "conf/nips/VaswaniSPUJGKP17"})
        self.assertEqual(server.requests[0]["path"], "/rec/conf/nips/VaswaniSPUJGKP17.xml")
        self.assertIn("mailto:", server.requests[0]["headers"]["User-Agent"])

    def test_it_answers_none_for_an_unknown_key(self):
        with RecordedServer(self.routes()) as server, self.settings(DBLP_URL=server.url):
            self.assertIsNone(dblp.fetch("conf/nips/Nobody17"))

    def test_it_reports_a_malformed_answer(self):
        with RecordedServer(self.routes()) as server, self.settings(DBLP_URL=server.url):
            with self.assertRaisesRegex(ImportFailed, "not well-formed XML"):
                dblp.fetch("conf/x/Broken")

    def test_it_refuses_what_is_not_a_dblp_key(self):
        with self.assertRaisesRegex(ImportFailed, "not a DBLP key"):
            dblp.fetch("10.1145/3292500.3330701")


class DumpTests(SimpleTestCase):
    """data/dblp/dump_sample.xml: a hand-made dump in dblp.xml's shape (ISO-8859-1, a
    DOCTYPE naming a dblp.dtd that is not there, named entities, a www record)."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp)

    def items(self, path: Path) -> list[tuple[int, PaperRecord | ImportFailed]]:
        return list(dblp.iter_dump(path))

    def test_it_streams_every_publication_and_skips_person_records(self):
        items = self.items(DATA / "dump_sample.xml")
        self.assertEqual([position for position, _ in items], [1, 3, 4, 5, 6, 7])
        keys = [item.identifiers["dblp"] for _, item in items if isinstance(item, PaperRecord)]
        self.assertEqual(
            keys,
            [
                "journals/acta/Saxena96",
                "conf/nips/MullerW19",
                "conf/nips/2019",
                "phd/Doe2020",
                "journals/corr/abs-1901-00002",
            ],
        )

    def test_it_reads_named_entities_and_latin_1_bytes(self):
        record = dict(self.items(DATA / "dump_sample.xml"))[3]
        self.assertEqual(
            record.authors,
            [
                AuthorInfo(name="Klaus-Robert M\u00fcller", match_name="Klaus-Robert M\u00fcller"),
                AuthorInfo(name="Wei Wang", match_name="Wei Wang 0001"),
                AuthorInfo(name="Jos\u00e9 Garc\u00eda", match_name="Jos\u00e9 Garc\u00eda"),
            ],
        )
        self.assertEqual(record.title, "On k-Means in R2 and Caf\u00e9 Networks")
        self.assertEqual(
            record.identifiers,
            {
                "dblp": "conf/nips/MullerW19",
                "doi": "10.5555/3454287.3454288",
                "arxiv": "1901.00001",
                "openreview": "abcDEF123",
            },
        )
        self.assertEqual(
            record.links,
            [{"label": "Publisher", "url": "https://proceedings.example.org/paper/2019/1"}],
        )
        thesis = dict(self.items(DATA / "dump_sample.xml"))[6]
        self.assertEqual(
            thesis.title,
            "Entities & <markup> \u2013 na\u00efve \u00c5ngstr\u00f6m \u00dfums",
        )
        self.assertEqual((thesis.venue_key, thesis.venue_kind), ("", "other"))

    def test_it_reports_a_bad_record_and_goes_on(self):
        items = dict(self.items(DATA / "dump_sample.xml"))
        self.assertIsInstance(items[5], ImportFailed)
        self.assertIn("journals/x/NoTitle", str(items[5]))
        self.assertEqual(items[7].identifiers["arxiv"], "1901.00002")
        self.assertEqual(items[7].title, "A Preprint?")

    def test_it_reads_a_gzipped_dump_whatever_its_name(self):
        path = self.tmp / "dblp.xml"  # gzipped, though the name says otherwise
        path.write_bytes(gzip.compress(read("dump_sample.xml")))
        # Exceptions compare by identity; their reprs say the same.
        self.assertEqual(
            [(n, repr(item)) for n, item in self.items(path)],
            [(n, repr(item)) for n, item in self.items(DATA / "dump_sample.xml")],
        )

    def test_it_reads_records_split_across_chunks(self):
        path = self.tmp / "big.xml"
        body = read("dump_sample.xml")
        head, tail = body.split(b"<dblp>\n", 1)
        records = tail.rsplit(b"</dblp>", 1)[0]
        path.write_bytes(head + b"<dblp>\n" + records * 50 + b"</dblp>\n")
        # Small chunks cut through tags, entity references and records alike.
        with mock.patch.object(dblp, "CHUNK", 1000):
            items = self.items(path)
        self.assertEqual(len(items), 6 * 50)
        self.assertEqual(items[-1][0], 7 * 50)
        self.assertEqual(sum(isinstance(item, ImportFailed) for _, item in items), 50)
        self.assertEqual(
            [repr(item) for _, item in items[6:12]],
            [repr(item) for _, item in self.items(DATA / "dump_sample.xml")],
        )

    def test_it_names_the_line_of_the_fault_in_the_file(self):
        path = self.tmp / "bad.xml"
        body = read("dump_sample.xml").replace(b"<year>2019</year>", b"<year>2019</yaer>", 1)
        path.write_bytes(body)
        line = body[: body.index(b"</yaer>")].count(b"\n") + 1
        # Record 2 is the www record before the broken one.
        with self.assertRaisesRegex(ImportFailed, f"after record 2: mismatched tag: line {line},"):
            self.items(path)

    def test_it_fails_after_the_last_good_record_of_a_truncated_dump(self):
        path = self.tmp / "cut.xml"
        body = read("dump_sample.xml")
        path.write_bytes(body[: body.index(b"<phdthesis")])
        seen = []
        with self.assertRaisesRegex(ImportFailed, "not well-formed XML after record 5"):
            for position, _ in dblp.iter_dump(path):
                seen.append(position)
        self.assertEqual(seen, [1, 3, 4, 5])


class ParseBibtexTests(SimpleTestCase):
    def test_it_reads_dblp_standard_bibtex_as_the_xml_record_reads(self):
        [record] = dblp.parse_bibtex(read("DBLP_conf_acl_ChangSRM23.bib"))
        [from_xml] = dblp.parse(read("DBLP_conf_acl_ChangSRM23.xml"))
        self.assertEqual(record.title, from_xml.title)
        self.assertEqual(record.authors, from_xml.authors)
        self.assertEqual(record.identifiers, from_xml.identifiers)
        self.assertEqual(
            (record.venue_key, record.venue_kind, record.year, record.source),
            ("conf/acl", "conference", 2023, "DBLP"),
        )
        self.assertEqual(
            record.venue_name,
            "Proceedings of the 61st Annual Meeting of the Association for Computational "
            "Linguistics (Volume 1: Long Papers), ACL 2023, Toronto, Canada, July 9-14, 2023",
        )

    def test_it_takes_the_arxiv_id_of_a_corr_entry_from_its_eprint(self):
        [record] = dblp.parse_bibtex(read("DBLP_journals_corr_SzegedyLJSRAEVR14.bib"))
        self.assertEqual(record.title, "Going Deeper with Convolutions")
        self.assertEqual(len(record.authors), 9)
        self.assertEqual(
            record.authors[4], AuthorInfo(name="Scott E. Reed", match_name="Scott E. Reed")
        )
        self.assertEqual(
            record.identifiers, {"dblp": "journals/corr/SzegedyLJSRAEVR14", "arxiv": "1409.4842"}
        )
        self.assertEqual(
            (record.venue_key, record.venue_name, record.venue_kind),
            ("journals/corr", "CoRR", "preprint"),
        )

    def test_it_reads_the_2013_format_with_its_old_biburl(self):
        [record] = dblp.parse_bibtex(read("DBLP_journals_corr_ZeilerF13_2013format.bib"))
        self.assertEqual(record.title, "Visualizing and Understanding Convolutional Networks")
        self.assertEqual([a.name for a in record.authors], ["Matthew D. Zeiler", "Rob Fergus"])
        self.assertEqual(
            record.identifiers, {"dblp": "journals/corr/ZeilerF13", "arxiv": "1311.2901"}
        )
        self.assertEqual(record.year, 2013)

    def test_it_drops_the_disambiguation_number_of_a_bibtex_name(self):
        bib = """@article{DBLP:journals/tkde/WangP20,
  author    = {Wei Wang 0001 and Ana Poe},
  title     = {A Title},
  journal   = {{IEEE} Trans. Knowl. Data Eng.},
  year      = {2020}
}"""
        [record] = dblp.parse_bibtex(bib)
        self.assertEqual(
            record.authors,
            [
                AuthorInfo(name="Wei Wang", match_name="Wei Wang 0001"),
                AuthorInfo(name="Ana Poe", match_name="Ana Poe"),
            ],
        )
        self.assertEqual((record.venue_key, record.venue_kind), ("journals/tkde", "journal"))

    def test_it_leaves_an_entry_dblp_did_not_write_as_bibtex(self):
        [record] = dblp.parse_bibtex("@article{x, title={T}, journal={J}, year={2001}}")
        self.assertEqual(record.source, "BibTeX")

    @skipUnless(SHARED_BIBTEX.is_dir(), "the shared test material is not present")
    def test_it_reads_all_three_dblp_bibtex_flavours_alike(self):
        flavours = {
            name: dblp.parse_bibtex((SHARED_BIBTEX / f"spire_BastMW06_{name}.bib").read_bytes())
            for name in ("standard", "crossref", "condensed")
        }
        for name, records in flavours.items():
            self.assertEqual(len(records), 1, name)  # the crossref @proceedings is no paper
            [record] = records
            self.assertEqual(record.title, "Output-Sensitive Autocompletion Search", name)
            self.assertEqual(
                [a.name for a in record.authors],
                ["H. Bast", "Christian Worm Mortensen", "Ingmar Weber"],
            )
            self.assertEqual(record.identifiers["dblp"], "conf/spire/BastMW06")
            self.assertEqual((record.venue_key, record.year), ("conf/spire", 2006))
        self.assertEqual(flavours["crossref"][0].identifiers["doi"], "10.1007/11880561_13")
        self.assertEqual(flavours["condensed"][0].venue_name, "SPIRE")
