from __future__ import annotations

import gc
import gzip
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path

from django.test import SimpleTestCase

from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import arxiv
from shortscience.test import RecordedServer

DATA = Path(__file__).parent / "data" / "arxiv"
ATOM = "application/atom+xml; charset=utf-8"
OAI_XML = "text/xml; charset=utf-8"
VENUE = {
    "venue_key": "journals/corr",
    "venue_name": "arXiv",
    "venue_kind": "preprint",
    "source": "arXiv",
}


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def api(name: str) -> bytes:
    """A recorded API answer, by the start of its file name."""
    for folder in ("current_2026", "legacy_2016"):
        found = sorted((DATA / folder).glob(f"{name}*.xml"))
        if found:
            return found[0].read_bytes()
    raise FileNotFoundError(name)


def snapshot_lines() -> list[str]:
    return (DATA / "snapshot_sample.jsonl").read_text(encoding="utf-8").splitlines()


def snapshot_record(arxiv_id: str) -> PaperRecord:
    for n, line in enumerate(snapshot_lines(), 1):
        if json.loads(line)["id"] == arxiv_id:
            return arxiv.parse_snapshot_line(line, n)
    raise KeyError(arxiv_id)


class ParseApiFeedTests(SimpleTestCase):
    def test_it_reads_every_field_of_a_single_id_answer(self):
        [record] = arxiv.parse(api("id_1707.08567"))
        self.assertEqual(
            record.title,
            "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications",
        )
        self.assertEqual(len(record.authors), 34)
        self.assertEqual(record.authors[0], AuthorInfo(name="Kees A. Schouhamer Immink"))
        self.assertEqual(record.authors[4].name, "Peter H. N. de With")
        self.assertEqual(record.authors[32].name, "Dirk Wübben")
        self.assertEqual(record.authors[-1].name, "Hirosuke Yamamoto")
        self.assertTrue(record.abstract.startswith('The 10th Asia-Europe workshop in "Concepts'))
        self.assertTrue(record.abstract.endswith("a well respected and special scientist."))
        self.assertEqual(record.published, date(2017, 7, 27))
        self.assertEqual(record.updated, date(2017, 7, 27))
        self.assertEqual(record.year, 2017)
        self.assertEqual(record.keywords, ["cs.IT"])
        self.assertEqual(record.identifiers, {"arxiv": "1707.08567v1"})
        self.assertEqual(
            record.extra,
            {
                "primary_category": "cs.IT",
                "comments": "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck",
                "versions": 1,
                "updated": "2017-07-27",
            },
        )
        self.assertEqual(record.links, [])
        for field, value in VENUE.items():
            self.assertEqual(getattr(record, field), value, field)

    def test_it_keeps_an_old_style_id_and_the_authors_affiliations(self):
        [record] = arxiv.parse(api("id_astro-ph_0601001"))
        self.assertEqual(record.identifiers, {"arxiv": "astro-ph/0601001v1"})
        self.assertEqual(
            [(a.name, a.affiliation) for a in record.authors],
            [
                ("Andrew Gould", "Ohio State"),
                ("Susan Dorsher", "Ohio State"),
                ("B. Scott Gaudi", "CfA"),
                ("Andrzej Udalski", "Warsaw University Observatory"),
            ],
        )
        self.assertEqual(record.extra["journal_ref"], "ActaAstron.56:1-50,2006")
        self.assertEqual(record.extra["primary_category"], "astro-ph")
        # Leading spaces go; XML escapes are read; the TeX-like text stays as written.
        self.assertTrue(record.abstract.startswith("We derive the frequencies of hot Jupiters"))
        self.assertIn("Gould & Morgan (2003)", record.abstract)
        self.assertIn("limit of V_max<17.5.", record.abstract)
        self.assertIn("(1/310)(1^{+1.39}_{-0.59})", record.abstract)
        self.assertEqual(record.published, date(2006, 1, 2))

    def test_it_reads_the_2016_format_with_its_doi_journal_and_a_title_across_lines(self):
        [record] = arxiv.parse(api("id_list_1111.2011v2"))
        self.assertEqual(
            record.title,
            "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
        )
        self.assertEqual(
            [a.name for a in record.authors],
            ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"],
        )
        self.assertEqual(
            record.identifiers, {"arxiv": "1111.2011v2", "doi": "10.1103/PhysRevB.85.115117"}
        )
        self.assertEqual(record.keywords, ["cond-mat.str-el", "cond-mat.stat-mech"])
        self.assertEqual(record.published, date(2011, 11, 8))
        self.assertEqual(record.updated, date(2012, 4, 2))
        self.assertEqual(record.year, 2011)
        self.assertEqual(
            record.extra,
            {
                "primary_category": "cond-mat.str-el",
                "journal_ref": "Phys. Rev. B 85, 115117 (2012)",
                "comments": "8 pages, 3 figures. Published version",
                "versions": 2,
                "updated": "2012-04-02",
            },
        )
        self.assertTrue(record.abstract.startswith("Theoretical description of anisotropic"))
        self.assertTrue(record.abstract.endswith("the theory describing a single node."))
        self.assertNotIn("\n", record.abstract)
        self.assertNotIn("  ", record.abstract)
        self.assertEqual(record.links, [])

    def test_it_reads_a_2016_search_page_of_hard_wrapped_entries(self):
        records = arxiv.parse(api("search_au_del_maestro"))
        self.assertEqual(len(records), 10)
        self.assertEqual(records[0].identifiers["arxiv"], "1201.4869v1")
        self.assertEqual(records[1].identifiers["arxiv"], "cond-mat/0412498v1")
        for record in records:
            self.assertNotIn("\n", record.abstract + record.title)
            self.assertTrue(any("Del Maestro" in a.name for a in record.authors))

    def test_it_reads_a_page_of_many_entries_with_unicode_names_and_math(self):
        records = arxiv.parse(api("q_testing_s0_m100"))
        self.assertEqual(len(records), 100)
        self.assertEqual(len({r.identifiers["arxiv"] for r in records}), 100)
        self.assertEqual(sum("doi" in r.identifiers for r in records), 32)
        self.assertEqual(sum("journal_ref" in r.extra for r in records), 18)
        self.assertTrue(all(r.published and r.title and r.authors for r in records))
        names = {a.name for r in records for a in r.authors}
        for name in ("Clément L. Canonne", "Florian Kroiß", "Lasse Møldrup", "Sólrún Einarsdóttir"):
            self.assertIn(name, names)

        [tolerance] = [r for r in records if r.identifiers["arxiv"] == "2106.13414v2"]
        self.assertEqual(tolerance.title, "The Price of Tolerance in Distribution Testing")
        self.assertEqual(
            [a.name for a in tolerance.authors],
            ["Clément L. Canonne", "Ayush Jain", "Gautam Kamath", "Jerry Li"],
        )
        self.assertEqual(tolerance.keywords, ["cs.DS", "cs.IT", "math.PR", "math.ST", "stat.ML"])
        self.assertEqual(tolerance.published, date(2021, 6, 25))
        self.assertEqual(tolerance.updated, date(2021, 11, 9))
        self.assertEqual(tolerance.extra["versions"], 2)
        self.assertIn(
            "given samples from an unknown distribution $p$ over $\\{1, \\dots, n\\}$",
            tolerance.abstract,
        )
        self.assertIn("the sample complexity is $Θ(\\sqrt{n})$", tolerance.abstract)

    def test_it_returns_the_one_paper_found_of_two_ids_asked_for(self):
        records = arxiv.parse(api("id_0808.05394_1707.08567"))
        self.assertEqual([r.identifiers["arxiv"] for r in records], ["1707.08567v1"])

    def test_it_returns_nothing_for_an_empty_feed(self):
        self.assertEqual(arxiv.parse(api("id_0000.0000")), [])
        self.assertEqual(arxiv.parse(api("id_0808.05394_s0")), [])

    def test_it_raises_the_apis_own_message_for_its_error_feed(self):
        with self.assertRaisesMessage(ImportFailed, "incorrect id format for abc"):
            arxiv.parse(api("id_abc"))

    def test_it_reads_text_as_well_as_bytes(self):
        self.assertEqual(
            arxiv.parse(api("id_1707.08567").decode("utf-8")), arxiv.parse(api("id_1707.08567"))
        )

    def test_it_says_on_which_line_the_xml_is_malformed(self):
        payload = (
            b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>'
        )
        with self.assertRaisesMessage(ImportFailed, "line 4"):
            arxiv.parse(payload)
        with self.assertRaises(ImportFailed):
            arxiv.parse(b"")

    def test_it_refuses_a_doctype_before_any_entity_is_expanded(self):
        laughs = (
            '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&c;</title></feed>'
        )
        external = (
            '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>'
        )
        for payload in (laughs, laughs.encode("utf-8"), laughs.encode("utf-16"), external):
            with self.assertRaisesMessage(ImportFailed, "DOCTYPE"):
                arxiv.parse(payload)

    def test_it_refuses_xml_that_is_not_an_atom_feed(self):
        with self.assertRaisesMessage(ImportFailed, "not an Atom feed"):
            arxiv.parse(b"<html><body>Service unavailable</body></html>")


class FetchTests(SimpleTestCase):
    def fetch(self, identifier: str, routes: dict) -> tuple[PaperRecord | None, list[dict]]:
        with RecordedServer(routes) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                record = arxiv.fetch(identifier)
        return record, server.requests

    def test_it_asks_the_api_for_the_id_and_returns_the_paper(self):
        record, requests = self.fetch(
            "1707.08567",
            {"/api/query?id_list=1707.08567&max_results=1": (200, api("id_1707.08567"), ATOM)},
        )
        self.assertEqual(record.identifiers, {"arxiv": "1707.08567v1"})
        self.assertEqual(len(record.authors), 34)
        [request] = requests
        self.assertEqual(request["path"], "/api/query?id_list=1707.08567&max_results=1")
        self.assertIn("mailto:", request["headers"]["User-Agent"])

    def test_it_asks_for_an_old_style_id_and_a_version_as_typed(self):
        record, requests = self.fetch(
            "arXiv:astro-ph/0601001v1",
            {"/api/query": (200, api("id_astro-ph_0601001"), ATOM)},
        )
        self.assertEqual(record.identifiers, {"arxiv": "astro-ph/0601001v1"})
        self.assertEqual(
            requests[0]["path"], "/api/query?id_list=astro-ph%2F0601001v1&max_results=1"
        )

    def test_it_returns_none_for_an_id_arxiv_does_not_know(self):
        record, _ = self.fetch("0808.05394", {"/api/query": (200, api("id_0808.05394_s0"), ATOM)})
        self.assertIsNone(record)

    def test_it_returns_none_when_the_api_answers_with_another_paper(self):
        record, _ = self.fetch("1605.08386", {"/api/query": (200, api("id_1707.08567"), ATOM)})
        self.assertIsNone(record)

    def test_it_raises_the_apis_message_for_a_400_answer(self):
        with self.assertRaisesMessage(ImportFailed, "incorrect id format for abc"):
            self.fetch("1707.08567", {"/api/query": (400, api("id_abc"), ATOM)})

    def test_it_refuses_what_is_not_an_arxiv_id_without_asking(self):
        with RecordedServer({}) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                with self.assertRaisesMessage(ImportFailed, "not an arXiv identifier"):
                    arxiv.fetch("abc")
        self.assertEqual(server.requests, [])

    def test_it_raises_import_failed_for_an_unexpected_status(self):
        with self.assertRaisesMessage(ImportFailed, "HTTP 404"):
            self.fetch("1707.08567", {})


class SnapshotTests(SimpleTestCase):
    def test_it_reads_every_field_of_a_snapshot_record(self):
        record = snapshot_record("0704.0001")
        self.assertEqual(
            record.title,
            "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies",
        )
        self.assertEqual(
            [a.name for a in record.authors],
            ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"],
        )
        self.assertTrue(record.abstract.startswith("A fully differential calculation in"))
        self.assertTrue(record.abstract.endswith("judicious selection of events."))
        self.assertNotIn("\n", record.abstract)
        self.assertEqual(record.published, date(2007, 4, 2))
        self.assertEqual(record.updated, date(2007, 7, 24))
        self.assertEqual(record.year, 2007)
        self.assertEqual(record.keywords, ["hep-ph"])
        self.assertEqual(
            record.identifiers, {"arxiv": "0704.0001v2", "doi": "10.1103/PhysRevD.76.013009"}
        )
        self.assertEqual(
            record.extra,
            {
                "primary_category": "hep-ph",
                "journal_ref": "Phys.Rev.D76:013009,2007",
                "comments": "37 pages, 15 figures; published version",
                "report_no": "ANL-HEP-PR-07-12",
                "versions": 2,
                "updated": "2007-07-24",
            },
        )
        self.assertEqual(record.links, [])
        for field, value in VENUE.items():
            self.assertEqual(getattr(record, field), value, field)

    def test_it_reads_old_style_ids_and_keeps_tex_math(self):
        maldacena = snapshot_record("hep-th/9711200")
        self.assertEqual(maldacena.identifiers["arxiv"], "hep-th/9711200v3")
        self.assertEqual(maldacena.identifiers["doi"], "10.1023/A:1026654312961")
        self.assertEqual(maldacena.year, 1997)
        self.assertIn("the large $N$ limit", maldacena.abstract)
        self.assertIn("${\\cal N} =4$ super-Yang-Mills", maldacena.abstract)
        perelman = snapshot_record("math/0211159")
        self.assertEqual(perelman.identifiers, {"arxiv": "math/0211159v1"})
        self.assertEqual(perelman.keywords, ["math.DG"])
        self.assertNotIn("license", perelman.extra)

    def test_it_names_authors_first_name_first_from_the_parsed_authors(self):
        self.assertEqual(
            [a.name for a in snapshot_record("2106.13414").authors],
            ["Clément L. Canonne", "Ayush Jain", "Gautam Kamath", "Jerry Li"],
        )
        # A suffix goes last, a missing first name leaves no space, an empty entry is skipped.
        self.assertEqual(
            [a.name for a in snapshot_record("2912.00003").authors],
            ["Martin Luther King Jr.", "The ATLAS Collaboration"],
        )

    def test_it_lists_every_category_primary_first(self):
        record = snapshot_record("2106.13414")
        self.assertEqual(record.keywords[0], "cs.DS")
        self.assertEqual(len(record.keywords), 7)
        self.assertEqual(record.extra["primary_category"], "cs.DS")
        self.assertEqual(snapshot_record("1706.03762").identifiers, {"arxiv": "1706.03762v7"})

    def test_it_takes_the_first_valid_doi_of_several(self):
        record = snapshot_record("2912.00002")
        self.assertEqual(record.identifiers["doi"], "10.1016/j.physletb.2029.01.001")
        line = json.dumps({"id": "2912.00009", "title": "T", "doi": "doi:none 10.1000/xyz"})
        self.assertEqual(arxiv.parse_snapshot_line(line, 1).identifiers["doi"], "10.1000/xyz")

    def test_it_reads_a_record_without_versions_nor_parsed_authors(self):
        record = snapshot_record("2912.00001")
        self.assertEqual(record.title, "A Record Without Versions Nor Parsed Authors")
        self.assertEqual(
            [a.name for a in record.authors],
            ["María José García", "Jürgen Müller", "Nguyễn Văn An"],
        )
        self.assertIsNone(record.published)
        self.assertEqual(record.year, 2029)  # from the id's YYMM
        self.assertEqual(record.updated, date(2029, 12, 2))
        self.assertEqual(record.identifiers, {"arxiv": "2912.00001"})
        self.assertNotIn("versions", record.extra)

    def test_it_reads_bytes_as_well_as_text(self):
        line = snapshot_lines()[0]
        self.assertEqual(
            arxiv.parse_snapshot_line(line.encode("utf-8"), 1), arxiv.parse_snapshot_line(line, 1)
        )

    def test_it_reads_a_line_in_any_encoding_json_loads_recognizes(self):
        text = snapshot_lines()[0]
        title = arxiv.parse_snapshot_line(text, 1).title
        for encoded in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16-le")):
            with self.subTest(start=encoded[:3]):
                self.assertEqual(arxiv.parse_snapshot_line(encoded, 1).title, title)

    def test_it_names_the_line_of_an_unreadable_record(self):
        bad = {
            "{not json": "line 7: not JSON",
            "[1, 2]": "line 7: not a JSON object",
            '{"title": "No id"}': "line 7: record without an id",
            '{"id": "2912.00004", "title": "  "}': "line 7: 2912.00004: record without a title",
            '{"id": "2912.00004", "title": "T", "versions": 3}': "line 7: unreadable record",
            '{"id": "2912.00004", "title": "T", "authors_parsed": [5]}': "line 7: unreadable",
        }
        for line, message in bad.items():
            with self.subTest(line=line), self.assertRaisesMessage(ImportFailed, message):
                arxiv.parse_snapshot_line(line, 7)


class IterSnapshotTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)

    def test_it_streams_a_plain_file_with_line_numbers(self):
        items = list(arxiv.iter_snapshot(DATA / "snapshot_sample.jsonl"))
        self.assertEqual([n for n, _ in items], list(range(1, 11)))
        self.assertTrue(all(isinstance(r, PaperRecord) for _, r in items))
        self.assertEqual(items[0][1].identifiers["arxiv"], "0704.0001v2")

    def test_it_recognizes_gzip_by_content_not_by_name(self):
        plain = (DATA / "snapshot_sample.jsonl").read_bytes()
        (self.folder / "snapshot.json").write_bytes(gzip.compress(plain))
        (self.folder / "snapshot.json.gz").write_bytes(plain)
        expected = list(arxiv.iter_snapshot(DATA / "snapshot_sample.jsonl"))
        self.assertEqual(list(arxiv.iter_snapshot(self.folder / "snapshot.json")), expected)
        self.assertEqual(list(arxiv.iter_snapshot(self.folder / "snapshot.json.gz")), expected)

    def test_it_gives_the_collector_back_the_objects_it_froze_for_the_file(self):
        items = arxiv.iter_snapshot(DATA / "snapshot_sample.jsonl")
        next(items)
        self.assertGreater(gc.get_freeze_count(), 0)
        items.close()  # an import stopped half-way
        self.assertEqual(gc.get_freeze_count(), 0)
        list(arxiv.iter_snapshot(DATA / "snapshot_sample.jsonl"))
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_it_skips_blank_lines_and_hands_back_unreadable_ones(self):
        lines = snapshot_lines()
        text = "\n".join([lines[0], "", "{broken", "   ", lines[1], '{"id": "x"}']) + "\n"
        path = self.folder / "mixed.jsonl"
        path.write_text(text, encoding="utf-8")
        items = list(arxiv.iter_snapshot(path))
        self.assertEqual([n for n, _ in items], [1, 3, 5, 6])
        self.assertIsInstance(items[0][1], PaperRecord)
        self.assertIsInstance(items[1][1], ImportFailed)
        self.assertIn("line 3:", str(items[1][1]))
        self.assertIsInstance(items[2][1], PaperRecord)
        self.assertIn("line 6:", str(items[3][1]))


class ParseOaiTests(SimpleTestCase):
    def test_it_reads_a_page_of_records_and_its_resumption_token(self):
        records, token = arxiv.parse_oai(data("oai/list_records_page1.xml"))
        self.assertEqual(token, "7171289|1001")
        self.assertEqual(
            [r.identifiers for r in records], [{"arxiv": "1706.03762"}, {"arxiv": "1512.03385"}]
        )
        attention = records[0]
        self.assertEqual(attention.title, "Attention Is All You Need")
        self.assertEqual(
            [a.name for a in attention.authors],
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
        self.assertTrue(attention.abstract.startswith("The dominant sequence transduction models"))
        self.assertTrue(attention.abstract.endswith("with large and limited training data."))
        self.assertNotIn("\n", attention.abstract)
        self.assertEqual(attention.published, date(2017, 6, 12))
        self.assertEqual(attention.updated, date(2023, 8, 2))
        self.assertEqual(attention.year, 2017)
        self.assertEqual(attention.keywords, ["cs.CL", "cs.LG"])
        self.assertEqual(
            attention.extra,
            {
                "primary_category": "cs.CL",
                "comments": "15 pages, 5 figures",
                "license": "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
                "updated": "2023-08-02",
            },
        )
        for field, value in VENUE.items():
            self.assertEqual(getattr(attention, field), value, field)
        # One version only: no <updated>, so the first version's date.
        self.assertEqual(records[1].updated, date(2015, 12, 10))
        self.assertIn("COCO 2015 competitions", records[1].abstract)

    def test_it_reads_the_last_page_whose_token_is_empty(self):
        records, token = arxiv.parse_oai(data("oai/list_records_page2.xml"))
        self.assertIsNone(token)
        hot_jupiters = records[0]
        self.assertEqual(hot_jupiters.identifiers, {"arxiv": "astro-ph/0601001"})
        self.assertEqual(
            hot_jupiters.title,
            "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina",
        )
        self.assertEqual(
            [(a.name, a.affiliation) for a in hot_jupiters.authors][2], ("B. Scott Gaudi", "CfA")
        )
        self.assertEqual(hot_jupiters.extra["journal_ref"], "ActaAstron.56:1-50,2006")
        self.assertNotIn("license", hot_jupiters.extra)
        # The same paper read from the API and from OAI-PMH has the same abstract.
        [from_api] = arxiv.parse(api("id_astro-ph_0601001"))
        self.assertEqual(hot_jupiters.abstract, from_api.abstract)
        self.assertEqual(records[1].identifiers, {"arxiv": "1412.6980"})

    def test_it_reads_no_records_match_as_an_empty_last_page(self):
        self.assertEqual(arxiv.parse_oai(data("oai/no_records_match.xml")), ([], None))

    def test_it_raises_other_oai_errors_with_their_code(self):
        payload = (
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            "<responseDate>2023-08-04T09:13:02Z</responseDate>"
            '<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>'
            '<error code="badResumptionToken">The token 1|2 has expired.</error></OAI-PMH>'
        )
        with self.assertRaisesMessage(
            ImportFailed, "badResumptionToken: The token 1|2 has expired."
        ):
            arxiv.parse_oai(payload)

    def test_it_leaves_out_deleted_records(self):
        page = data("oai/list_records_page2.xml").decode("utf-8")
        deleted = (
            '<record><header status="deleted"><identifier>oai:arXiv.org:2912.00005</identifier>'
            "<datestamp>2029-12-06</datestamp></header></record>"
        )
        page = page.replace("<ListRecords>", "<ListRecords>" + deleted)
        records, _ = arxiv.parse_oai(page)
        self.assertEqual(
            [r.identifiers["arxiv"] for r in records], ["astro-ph/0601001", "1412.6980"]
        )

    def test_it_refuses_a_doctype_and_malformed_xml(self):
        with self.assertRaisesMessage(ImportFailed, "DOCTYPE"):
            arxiv.parse_oai(b'<!DOCTYPE OAI-PMH [<!ENTITY a "a">]><OAI-PMH/>')
        with self.assertRaisesMessage(ImportFailed, "line 1"):
            arxiv.parse_oai(b"<OAI-PMH><ListRecords></OAI-PMH>")


class HarvestTests(SimpleTestCase):
    def harvest(self, routes: dict, *args, **kwargs) -> tuple[list[PaperRecord], list[str]]:
        with RecordedServer(routes) as server:
            with self.settings(ARXIV_OAI_URL=server.url + "/oai"):
                records = list(arxiv.harvest(*args, **kwargs))
        return records, [r["path"] for r in server.requests]

    def test_it_follows_resumption_tokens_to_the_last_page(self):
        records, paths = self.harvest(
            {
                "/oai?verb=ListRecords&metadataPrefix=arXiv&from=2023-08-01": (
                    200,
                    data("oai/list_records_page1.xml"),
                    OAI_XML,
                ),
                "/oai?verb=ListRecords&resumptionToken=7171289%7C1001": (
                    200,
                    data("oai/list_records_page2.xml"),
                    OAI_XML,
                ),
            },
            date(2023, 8, 1),
            None,
        )
        self.assertEqual(
            [r.identifiers["arxiv"] for r in records],
            ["1706.03762", "1512.03385", "astro-ph/0601001", "1412.6980"],
        )
        # OAI-PMH: the token request carries the verb and the token, nothing else.
        self.assertEqual(
            paths,
            [
                "/oai?verb=ListRecords&metadataPrefix=arXiv&from=2023-08-01",
                "/oai?verb=ListRecords&resumptionToken=7171289%7C1001",
            ],
        )

    def test_it_asks_for_the_set_and_the_until_date(self):
        records, paths = self.harvest(
            {"/oai": (200, data("oai/no_records_match.xml"), OAI_XML)},
            date(2030, 1, 1),
            "cs",
            until=date(2030, 1, 31),
        )
        self.assertEqual(records, [])
        self.assertEqual(
            paths,
            ["/oai?verb=ListRecords&metadataPrefix=arXiv&from=2030-01-01&until=2030-01-31&set=cs"],
        )

    def test_it_stops_when_a_resumption_token_comes_back(self):
        with self.assertRaisesMessage(ImportFailed, "repeated the resumption token"):
            self.harvest(
                {"/oai": (200, data("oai/list_records_page1.xml"), OAI_XML)}, date(2023, 8, 1), None
            )

    def test_it_raises_import_failed_for_an_unexpected_status(self):
        with self.assertRaisesMessage(ImportFailed, "HTTP 404"):
            self.harvest({}, date(2023, 8, 1), None)
