from __future__ import annotations

from unittest import mock

from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user
from shortscience.web import paging
from shortscience.web.paging import CappedPaginator


class PageNumberTests(BaseTestCase):
    def test_a_page_number_past_any_list_is_past_the_end_not_an_error(self):
        paper = make_paper("Paged Once")
        make_summary(paper, self.alice)
        self.assertEqual(paging.page_number("9223372036854775807"), paging.MAX_PAGE)
        for raw in ("9223372036854775807", "9" * 30, "9" * 5000):
            with self.subTest(page=raw[:20]):
                for url in (paper.get_absolute_url(), "/", "/venues/conf/nips", "/search?q=paged"):
                    self.assertIn(self.client.get(url, {"page": raw}).status_code, (200, 404))


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
