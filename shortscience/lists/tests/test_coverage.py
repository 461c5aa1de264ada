"""The coverage check: a bibliography against the library, then requests or a list."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.lists.models import ReadingList
from shortscience.lists.services import create_list
from shortscience.notifications.models import SummaryRequest
from shortscience.test import BaseTestCase, make_paper, make_summary

BIB = """
@article{vaswani, title={Attention Is All You Need}, author={Ashish Vaswani and Noam Shazeer},
  year={2017}, doi={10.5555/3295222.3295349}}
@inproceedings{he, title={Deep Residual Learning}, author={Kaiming He}, year={2016}}
@misc{nobody, title={A Paper Nobody Added}, author={Ada Lovelace}, year={1843}}
"""


class CoverageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.attention = make_paper(
            "Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer"],
            year=2017,
            identifiers={"arxiv": "1706.03762v5", "doi": "10.5555/3295222.3295349"},
        )
        self.resnet = make_paper(
            "Deep Residual Learning", authors=["Kaiming He"], year=2016, identifiers={}
        )
        self.best = make_summary(self.attention, self.alice)

    def check(self, **data):
        return self.client.post("/coverage", data)

    def test_pasted_identifiers_in_any_form_are_found_with_their_summaries(self):
        response = self.check(
            text="arXiv:1706.03762\nhttps://doi.org/10.5555/3295222.3295349, 2401.99999"
        )
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("3 entries: 2 in the library, 2 with summaries", page)
        self.assertIn(f"/summary/{self.best.pk}", page)
        self.assertIn("not yet", page)
        self.assertEqual(response["Cache-Control"], "private, no-store")

    def test_a_bib_file_is_matched_by_doi_or_by_title_author_and_year(self):
        upload = SimpleUploadedFile("refs.bib", BIB.encode(), content_type="text/plain")
        page = self.check(bib=upload).content.decode()
        self.assertIn("3 entries: 2 in the library, 1 with summaries", page)
        self.assertIn(self.resnet.get_absolute_url(), page)
        self.assertIn("A Paper Nobody Added", page)

    def test_bad_input_is_a_400_with_the_reason_and_changes_nothing(self):
        for data, reason in (
            ({"text": ""}, "Paste identifiers"),
            ({"text": " ".join(f"2401.{n:05d}" for n in range(2001))}, "At most 2,000"),
            ({"text": "@article{x, author={A}}"}, "no title"),
        ):
            with self.subTest(reason=reason):
                response = self.check(**data)
                self.assertEqual(response.status_code, 400)
                self.assertIn(reason, response.content.decode())

    def test_a_member_asks_for_the_missing_summaries_and_keeps_the_papers_on_a_list(self):
        self.client.force_login(self.bob)
        page = self.check(text="1706.03762 10.5555/nothing").content.decode()
        self.assertNotIn("Ask for summaries", page)  # the one found has a summary
        ids = f"{self.attention.pk} {self.resnet.pk}"
        answer = self.client.post("/coverage/request", {"papers": ids})
        self.assertEqual(answer["Location"], "/wanted")
        self.assertEqual(
            list(SummaryRequest.objects.values_list("user__username", "paper")),
            [("bob", self.resnet.pk)],
        )
        answer = self.client.post("/coverage/list", {"papers": ids + " x 99999999"})
        made = ReadingList.objects.get(owner=self.bob)
        self.assertEqual(answer["Location"], made.get_absolute_url())
        self.assertEqual(made.item_count, 2)
        # Another member's list is not theirs to fill.
        theirs = create_list(self.alice, title="Alice's", visibility="public")
        self.assertEqual(
            self.client.post("/coverage/list", {"papers": ids, "list": theirs.key}).status_code,
            403,
        )
        self.assertEqual(theirs.items.count(), 0)

    def test_a_visitor_may_check_but_not_act(self):
        self.assertEqual(self.check(text="1706.03762").status_code, 200)
        for url in ("/coverage/request", "/coverage/list"):
            answer = self.client.post(url, {"papers": str(self.resnet.pk)})
            self.assertIn("/accounts/login/", answer["Location"])
        self.assertFalse(SummaryRequest.objects.exists())

    def test_two_thousand_entries_take_the_same_queries_as_two(self):
        self.check(text="1706.03762")  # the visitor's rate-limit bucket made
        with CaptureQueriesContext(connection) as two:
            self.check(text="1706.03762 2401.00001")
        big = " ".join(f"2401.{n:05d}" for n in range(1999)) + " 1706.03762"
        with self.assertNumQueries(len(two.captured_queries)):
            self.assertContains(self.check(text=big), "2000 entries: 1 in the library")


class CoverageEdgeTests(BaseTestCase):
    def test_a_nul_character_or_a_flood_of_entries_is_a_400_before_any_parse(self):
        self.assertEqual(self.client.post("/coverage", {"text": "1706.03762\x00"}).status_code, 400)
        flood = "\n".join(f"@misc{{k{n}, title={{T}}}}" for n in range(4001))
        answer = self.client.post("/coverage", {"text": flood})
        self.assertEqual(answer.status_code, 400)
        self.assertIn("At most 2,000", answer.content.decode())

    def test_a_chain_of_merges_is_followed_to_its_end(self):
        from shortscience.library.services import merge_papers

        first = make_paper("First Copy", identifiers={"arxiv": "1801.00001"})
        second = make_paper("Second Copy", identifiers={"arxiv": "1801.00002"})
        kept = make_paper("Kept Copy", identifiers={"arxiv": "1801.00003"})
        make_summary(kept, self.alice)
        merge_papers(second, first, reason="duplicate")
        merge_papers(kept, second, reason="duplicate")
        page = self.client.post("/coverage", {"text": "1801.00001"}).content.decode()
        self.assertIn(kept.get_absolute_url(), page)
        self.assertIn("1 with summaries", page)

    def test_the_actions_take_the_same_queries_for_two_papers_or_forty(self):
        self.client.force_login(self.bob)
        rl = create_list(self.bob, title="Mine", visibility="private")
        few = [make_paper(f"Few {n}") for n in range(2)]
        many = [make_paper(f"Many {n}") for n in range(40)]

        def run(url, papers, **extra):
            ids = " ".join(str(p.pk) for p in papers)
            with CaptureQueriesContext(connection) as done:
                self.client.post(url, {"papers": ids, **extra})
            return len(done.captured_queries)

        run("/coverage/request", [])  # the member's rate-limit buckets made
        run("/coverage/list", [], list=rl.key)
        self.assertEqual(run("/coverage/request", few), run("/coverage/request", many))
        self.assertEqual(
            run("/coverage/list", few, list=rl.key), run("/coverage/list", many, list=rl.key)
        )
        self.assertEqual(rl.items.count(), 42)
        self.assertEqual(SummaryRequest.objects.filter(user=self.bob).count(), 42)
