from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from shortscience.groups.models import Meeting, ReadingGroup
from shortscience.lists.models import ReadingList
from shortscience.notifications.models import SummaryRequest
from shortscience.papers.models import Paper, PaperIdentifier
from shortscience.summaries.models import Revision, Summary


class LoadDemoTests(TestCase):
    def load(self, *args):
        call_command("load_demo", *args, stdout=StringIO())

    def test_it_fills_a_living_site_and_a_second_run_changes_nothing(self):
        self.load()
        counts = (Paper.objects.count(), Summary.objects.count(), Revision.objects.count())
        self.assertGreaterEqual(counts[0], 25)
        self.assertGreaterEqual(counts[1], 35)
        self.assertTrue(Summary.objects.filter(visibility="private").exists())
        self.assertTrue(Summary.objects.filter(is_anonymous=True).exists())
        self.assertTrue(Paper.objects.filter(venue__kind="conference").exists())
        self.assertGreater(Paper.objects.values("year").distinct().count(), 5)
        # A visitor of a fresh install sees papers people want summarised.
        wanted = self.client.get("/wanted").content.decode()
        self.assertIn("An Image is Worth 16x16 Words", wanted)
        self.assertIn("<strong>4</strong> requests", wanted)
        self.assertEqual(SummaryRequest.objects.open().count(), 7)
        self.assertIn("Transformers reading group", self.client.get("/lists").content.decode())
        # ... and a reading group with a programme: meetings past and to come.
        group = self.client.get("/groups/transformers-reading-group").content.decode()
        self.assertIn("Layer Normalization", group)  # upcoming
        self.assertIn("Neural Machine Translation by Jointly Learning", group)  # past
        meetings = Meeting.objects.values_list("paper_id", flat=True).count()
        self.load()
        self.assertEqual(Meeting.objects.count(), meetings)
        self.assertEqual(ReadingGroup.objects.get().member_count, 5)
        self.assertEqual(
            (Paper.objects.count(), Summary.objects.count(), Revision.objects.count()), counts
        )
        self.assertEqual(SummaryRequest.objects.count(), 7)
        self.assertEqual(
            list(ReadingList.objects.values_list("visibility", "item_count").order_by("pk")),
            [("public", 5), ("private", 2)],
        )

    def test_its_summaries_have_typeset_math_and_resolved_citations(self):
        self.load()
        with_math = Summary.objects.filter(body_html__contains='class="katex"').count()
        self.assertGreater(with_math, Summary.objects.count() // 2)
        self.assertTrue(Summary.objects.filter(body_html__contains='class="cite"').exists())
        self.assertFalse(Summary.objects.filter(body_html__contains="katex-error").exists())
        self.assertTrue(PaperIdentifier.objects.filter(kind="arxiv", value__contains="/").exists())

    def test_if_empty_leaves_a_library_with_papers_alone(self):
        Paper.objects.create(title="Already here")
        self.load("--if-empty")
        self.assertEqual(Paper.objects.count(), 1)
