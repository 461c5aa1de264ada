"""Looking papers up by many identifiers at once (`PaperQuerySet.resolve_keys`): the \\cite
look-ups of a summary, and the API's batch lookup."""

from __future__ import annotations

from shortscience.papers.models import Paper
from shortscience.test import BaseTestCase, make_paper, make_summary


class ResolveKeysTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.attention = make_paper(
            "Attention Is All You Need",
            identifiers={"arxiv": "1706.03762", "doi": "10.5555/3295222"},
        )
        self.resnet = make_paper("Deep Residual Learning", identifiers={"arxiv": "1512.03385v1"})

    def test_each_key_in_any_form_finds_its_paper_and_unknown_keys_find_nothing(self):
        keys = [
            "arXiv:1706.03762v5",
            "https://arxiv.org/abs/1512.03385",
            "10.5555/3295222",
            "2101.00001",
            "not a key",
        ]
        self.assertEqual(
            Paper.objects.resolve_keys(keys),
            {keys[0]: self.attention, keys[1]: self.resnet, keys[2]: self.attention},
        )

    def test_fifteen_hundred_keys_are_resolved_in_one_query_and_one_more_for_the_unknown(self):
        with self.assertNumQueries(1):
            found = Paper.objects.resolve_key_ids(["1706.03762", "1512.03385"] * 750)
        self.assertEqual(set(found.values()), {self.attention.pk, self.resnet.pk})
        keys = [f"2101.{n:05d}" for n in range(1500)] + ["1706.03762"]
        with self.assertNumQueries(2):  # the second: are the unknown ones old ShortScience keys?
            found = Paper.objects.resolve_key_ids(keys)
        self.assertEqual(found, {"1706.03762": self.attention.pk})

    def test_an_old_shortscience_key_is_found_when_no_specific_reading_names_a_paper(self):
        old = make_paper("Old Key Paper", identifiers={"legacy": "1111.22222"})
        found = Paper.objects.resolve_key_ids(["1111.22222", "1706.03762", "oldkey2015"])
        # 1111.22222 reads as an arXiv id nobody has: its legacy reading names the paper.
        self.assertEqual(found, {"1111.22222": old.pk, "1706.03762": self.attention.pk})

    def test_a_summary_citing_twelve_hundred_papers_saves_and_links_the_known_ones(self):
        # ~550 distinct keys once broke SQLite ("Expression tree is too large").
        cites = " ".join(f"\\cite{{2101.{n:05d}}}" for n in range(1200))
        summary = make_summary(self.attention, self.alice, f"See {cites} and \\cite{{1512.03385}}.")
        self.assertIn(self.resnet.get_absolute_url(), summary.body_html)
        self.assertEqual(summary.body_html.count('class="cite-missing"'), 1200)
