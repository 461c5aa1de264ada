from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.test import TestCase, override_settings
from django.utils import timezone

from shortscience.ranking import viewcount
from shortscience.ranking.models import DailyViews
from shortscience.test import BaseTestCase, make_paper
from shortscience.web.models import ContentChange


class ViewCounterTests(TestCase):
    def setUp(self):
        viewcount.reset()
        self.addCleanup(viewcount.reset)
        self.paper = make_paper()
        self.other = make_paper()

    def test_counting_a_view_writes_nothing(self):
        with self.assertNumQueries(0):
            for _ in range(100):
                viewcount.record_view(self.paper.pk)
            viewcount.record_view(self.other.pk)
        self.assertEqual(viewcount.pending(), {self.paper.pk: 100, self.other.pk: 1})
        self.assertFalse(DailyViews.objects.exists())

    def test_a_flush_adds_every_paper_in_one_statement(self):
        for _ in range(3):
            viewcount.record_view(self.paper.pk)
        viewcount.record_view(self.other.pk)
        # The papers that exist, then one UPSERT (inside a savepoint).
        with self.assertNumQueries(4):
            self.assertEqual(viewcount.flush(), 4)
        self.assertEqual(viewcount.pending(), {})
        viewcount.record_view(self.paper.pk)
        viewcount.flush()
        counts = dict(DailyViews.objects.values_list("paper_id", "count"))
        self.assertEqual(counts, {self.paper.pk: 4, self.other.pk: 1})
        self.assertEqual(
            set(DailyViews.objects.values_list("day", flat=True)), {timezone.localdate()}
        )

    def test_a_flush_with_nothing_pending_runs_no_query(self):
        with self.assertNumQueries(0):
            self.assertEqual(viewcount.flush(), 0)

    def test_a_flush_skips_a_paper_deleted_since(self):
        viewcount.record_view(self.paper.pk)
        viewcount.record_view(self.other.pk)
        self.other.delete()
        self.assertEqual(viewcount.flush(), 1)
        self.assertEqual(
            list(DailyViews.objects.values_list("paper_id", "count")), [(self.paper.pk, 1)]
        )

    def test_a_new_day_starts_a_new_row(self):
        DailyViews.objects.create(
            paper=self.paper, day=timezone.localdate() - timedelta(days=1), count=7
        )
        viewcount.record_view(self.paper.pk)
        viewcount.flush()
        self.assertEqual(sorted(DailyViews.objects.values_list("count", flat=True)), [1, 7])

    @override_settings(VIEW_COUNT_FLUSH_VIEWS=5)
    def test_it_flushes_by_itself_after_so_many_views(self):
        for _ in range(4):
            viewcount.record_view(self.paper.pk)
        self.assertFalse(DailyViews.objects.exists())
        viewcount.record_view(self.paper.pk)
        self.assertEqual(DailyViews.objects.get().count, 5)
        self.assertEqual(viewcount.pending(), {})

    def test_it_flushes_by_itself_after_so_many_seconds(self):
        viewcount.record_view(self.paper.pk)
        with override_settings(VIEW_COUNT_FLUSH_SECONDS=0):
            viewcount.record_view(self.paper.pk)
        self.assertEqual(DailyViews.objects.get().count, 2)

    @override_settings(PAGE_CACHE_SECONDS=60)
    def test_counting_views_says_no_page_changed(self):
        viewcount.record_view(self.paper.pk)
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(viewcount.flush(), 1)
        self.assertFalse(ContentChange.objects.exists())


class PaperPageCountsViewsTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        viewcount.reset()
        self.addCleanup(viewcount.reset)
        self.paper = make_paper("Counted")

    def test_the_paper_page_counts_a_view_without_a_write(self):
        self.client.get(self.paper.get_absolute_url())
        self.client.force_login(self.bob)
        self.client.get(self.paper.get_absolute_url())
        self.assertEqual(viewcount.pending(), {self.paper.pk: 2})
        self.assertFalse(DailyViews.objects.exists())

    def test_a_redirect_to_the_right_slug_is_not_a_view(self):
        self.client.get(f"/paper/{self.paper.pk}/wrong-slug")
        self.assertEqual(viewcount.pending(), {})

    @override_settings(PAGE_CACHE_SECONDS=60)
    def test_a_page_served_from_the_cache_is_counted_too(self):
        cache.clear()
        self.addCleanup(cache.clear)
        url = self.paper.get_absolute_url()
        self.assertEqual(self.client.get(url)["X-Cache"], "miss")
        self.assertEqual(self.client.get(url)["X-Cache"], "hit")
        self.assertEqual(self.client.get(url)["X-Cache"], "hit")
        self.assertEqual(viewcount.pending(), {self.paper.pk: 3})
        # Other cached pages are not paper views.
        self.client.get("/")
        self.client.get("/")
        self.assertEqual(viewcount.pending(), {self.paper.pk: 3})
