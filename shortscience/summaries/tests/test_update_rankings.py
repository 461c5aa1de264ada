from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from shortscience.papers.models import Keyword
from shortscience.ranking import scores as ranking
from shortscience.ranking import viewcount
from shortscience.ranking.models import DailyViews
from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary


class UpdateRankingsTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        viewcount.reset()
        self.addCleanup(viewcount.reset)
        self.viewed = make_summary(make_paper("Viewed"), self.alice)
        self.quiet = make_summary(make_paper("Quiet"), self.bob)

    def run_command(self, *args) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("update_rankings", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def hot(self, summary) -> float:
        return Summary.objects.get(pk=summary.pk).hot

    def test_it_writes_pending_views_and_folds_them_into_popular(self):
        for _ in range(9):
            viewcount.record_view(self.viewed.paper_id)
        quiet_before = self.hot(self.quiet)
        out, err = self.run_command()
        self.assertIn("Views written: 9. Rankings: 1 summaries changed.", out)
        self.assertIn("summaries 1", err)  # the progress line
        self.assertEqual(DailyViews.objects.get().count, 9)
        self.assertAlmostEqual(
            self.hot(self.viewed), ranking.hotness(0, 9, self.viewed.created), places=4
        )
        self.assertEqual(self.hot(self.quiet), quiet_before)
        r = self.client.get("/?tab=popular")
        self.assertEqual(r.context["page"][0].paper.title, "Viewed")

    def test_yesterdays_views_drop_out_the_next_day(self):
        DailyViews.objects.create(
            paper=self.viewed.paper, day=timezone.localdate() - timedelta(days=1), count=500
        )
        update_summary(self.viewed, hot=1e6)
        self.run_command()
        self.assertAlmostEqual(
            self.hot(self.viewed), ranking.hotness(0, 0, self.viewed.created), places=4
        )

    def test_a_second_run_changes_nothing(self):
        viewcount.record_view(self.viewed.paper_id)
        self.run_command()
        out, _ = self.run_command()
        self.assertIn("Views written: 0. Rankings: 0 summaries changed.", out)

    def test_all_recomputes_every_summarys_fields(self):
        paper = self.quiet.paper
        paper.keywords.set([Keyword.objects.create(name="q-fin.ST")])
        out, _ = self.run_command("--all")
        self.assertIn("1 summaries changed", out)
        self.assertEqual(Summary.objects.get(pk=self.quiet.pk).fields, " q-fin ")
        r = self.client.get("/?field=q-fin")
        self.assertEqual([s.paper.title for s in r.context["page"]], ["Quiet"])
