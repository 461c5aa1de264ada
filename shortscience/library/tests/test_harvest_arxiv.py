from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from shortscience.papers.models import ImportCheckpoint, Paper
from shortscience.test import RecordedServer

# The recorded responses live with the source parsers that read them.
OAI = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data" / "arxiv" / "oai"
XML = "text/xml; charset=utf-8"
FIRST = "/oai?verb=ListRecords&metadataPrefix=arXiv&from=2017-01-01&set=cs"
SECOND = "/oai?verb=ListRecords&resumptionToken=7171289%7C1001"


class HarvestArxivTests(TestCase):
    def harvest(self, *args) -> str:
        routes = {
            FIRST: (200, (OAI / "list_records_page1.xml").read_bytes(), XML),
            FIRST.replace("&set", "&until=2017-02-01&set"): (
                200,
                (OAI / "list_records_page1.xml").read_bytes(),
                XML,
            ),
            SECOND: (200, (OAI / "list_records_page2.xml").read_bytes(), XML),
        }
        out = StringIO()
        with RecordedServer(routes) as server, self.settings(ARXIV_OAI_URL=server.url + "/oai"):
            call_command("harvest_arxiv", *args, "--no-render", stdout=out, stderr=StringIO())
        self.requests = server.requests
        return out.getvalue()

    def test_it_follows_resumption_tokens_and_writes_every_record(self):
        out = self.harvest("--from", "2017-01-01", "--set", "cs")
        self.assertEqual([r["path"] for r in self.requests], [FIRST, SECOND])
        self.assertIn("created 4", out)
        self.assertEqual(Paper.objects.by_identifier("astro-ph/0601001").year, 2006)
        self.assertEqual(
            Paper.objects.by_identifier("1706.03762").ordered_authors[0].name, "Ashish Vaswani"
        )

    def test_a_second_harvest_counts_everything_unchanged(self):
        self.harvest("--from", "2017-01-01", "--set", "cs")
        out = self.harvest("--from", "2017-01-01", "--set", "cs")
        self.assertIn("created 0, updated 0, unchanged 4", out)
        self.assertEqual(Paper.objects.count(), 4)

    def test_it_remembers_where_a_completed_harvest_got_to(self):
        self.harvest("--from", "2017-01-01", "--set", "cs", "--until", "2017-02-01")
        self.assertEqual(ImportCheckpoint.objects.get(key="harvest-arxiv:cs").position, 736361)

    def test_without_from_or_an_earlier_harvest_it_says_what_to_do(self):
        with self.assertRaisesMessage(CommandError, "give --from"):
            call_command("harvest_arxiv", "--set", "cs", stdout=StringIO(), stderr=StringIO())

    def test_a_bad_date_is_refused(self):
        with self.assertRaisesMessage(CommandError, "not a date"):
            call_command(
                "harvest_arxiv", "--from", "yesterday", stdout=StringIO(), stderr=StringIO()
            )

    def test_an_unreachable_server_stops_with_a_clear_message(self):
        with self.assertRaisesMessage(CommandError, "Harvest stopped"):
            call_command(
                "harvest_arxiv", "--from", "2017-01-01", stdout=StringIO(), stderr=StringIO()
            )
