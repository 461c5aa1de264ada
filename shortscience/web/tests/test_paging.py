from __future__ import annotations

from unittest import mock

from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user
from shortscience.web import paging
from shortscience.web.paging import CappedPaginator


class CappedPaginatorTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        for i in range(5):
            make_summary(make_paper(f"Paged Paper {i}"), make_user(f"pager{i}"))

    def test_it_counts_exactly_below_the_cap(self):
        paginator = CappedPaginator(Summary.objects.all(), 2)
        self.assertEqual((paginator.count, paginator.num_pages, paginator.capped), (5, 3, False))

    def test_past_the_cap_it_stops_counting_and_says_so(self):
        with mock.patch.object(paging, "COUNT_CAP", 3):
            paginator = CappedPaginator(Summary.objects.all(), 2)
            self.assertEqual(paginator.count, 4)
            self.assertTrue(paginator.capped)

    def test_it_counts_what_it_is_told_to_and_pages_the_list(self):
        mine = Summary.objects.filter(user__username__in=["pager1", "pager2"])
        paginator = CappedPaginator(Summary.objects.order_by("-pk"), 2, counted=mine)
        self.assertEqual((paginator.count, paginator.num_pages), (2, 1))
        self.assertEqual(len(paginator.page(1).object_list), 2)

    def test_the_home_page_shows_a_capped_count_with_a_plus(self):
        with mock.patch.object(paging, "COUNT_CAP", 3):
            self.assertContains(self.client.get("/"), "4+ public summaries")
