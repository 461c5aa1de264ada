from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.utils import timezone

from shortscience.test import BaseTestCase, make_paper, make_summary
from shortscience.web import pages as front_cache
from shortscience.web.models import ContentVersion
from shortscience.web.pages import AnonymousPageCacheMiddleware


@override_settings(PAGE_CACHE_SECONDS=600)
class AnonymousPageCacheTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.paper = make_paper("Cached Paper")
            make_summary(self.paper, self.alice, "The first text.")

    def test_a_visitor_gets_the_second_view_from_the_cache_with_one_query(self):
        first = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(first["X-Cache"], "miss")
        with self.assertNumQueries(1):  # the content version
            second = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(second["X-Cache"], "hit")
        self.assertEqual(second.content, first.content)
        self.assertEqual(second["ETag"], first["ETag"])  # stored with the page, not recomputed
        self.assertEqual(second["Content-Type"], first["Content-Type"])

    def test_a_write_makes_the_next_view_fresh(self):
        self.client.get(self.paper.get_absolute_url())
        with self.captureOnCommitCallbacks(execute=True):
            make_summary(self.paper, self.bob, "A second, newer text.")
        response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "miss")
        self.assertContains(response, "A second, newer text.")

    def test_writes_no_page_shows_leave_the_cache_alone(self):
        before = ContentVersion.current()
        with self.captureOnCommitCallbacks(execute=True):
            from shortscience.accounts.models import TokenBucket

            TokenBucket.authorize("test:key", 5, 60)
        self.assertEqual(ContentVersion.current(), before)

    def test_a_logged_in_member_is_never_served_from_the_cache(self):
        self.client.get(self.paper.get_absolute_url())
        self.client.force_login(self.bob)
        response = self.client.get(self.paper.get_absolute_url())
        self.assertNotIn("X-Cache", response)

    def test_pages_carry_an_etag_and_last_modified_and_answer_304(self):
        first = self.client.get(self.paper.get_absolute_url())
        self.assertIn("ETag", first)
        self.assertIn("Last-Modified", first)
        again = self.client.get(self.paper.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual(again.status_code, 304)
        since = self.client.get(
            self.paper.get_absolute_url(), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
        self.assertEqual(since.status_code, 304)

    def test_a_response_that_sets_a_cookie_or_is_private_is_not_stored(self):
        ok = HttpResponse("page")
        self.assertTrue(AnonymousPageCacheMiddleware._cacheable_response(ok))
        with_cookie = HttpResponse("page")
        with_cookie.set_cookie("csrftoken", "x")
        private = HttpResponse("page", headers={"Cache-Control": "private"})
        varies = HttpResponse("page", headers={"Vary": "Accept-Language"})
        for response in (with_cookie, private, varies, HttpResponse("gone", status=404)):
            self.assertFalse(AnonymousPageCacheMiddleware._cacheable_response(response))

    def test_a_hidden_summary_leaves_cached_pages_at_once(self):
        summary = self.paper.summaries.get()
        self.assertContains(self.client.get(self.paper.get_absolute_url()), "The first text.")
        with self.captureOnCommitCallbacks(execute=True):
            summary.is_hidden = True
            summary.save(update_fields=["is_hidden"])
        self.assertNotContains(self.client.get(self.paper.get_absolute_url()), "The first text.")

    def test_the_health_check_answers_without_touching_the_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.content, b"ok")
        self.assertNotIn("X-Cache", response)


@override_settings(PAGE_CACHE_SECONDS=600, PAGE_CACHE_VERSION_SECONDS=1.0)
class ContentVersionReadTests(BaseTestCase):
    """Each process re-reads the content version at most once a second."""

    def setUp(self):
        super().setUp()
        cache.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.paper = make_paper("Cached Paper")
        self.clock = 1000.0
        patcher = mock.patch("shortscience.web.pages.time.monotonic", lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        front_cache._last_read = front_cache._UNREAD
        # The mocked clock's reading must not outlive these tests.
        self.addCleanup(setattr, front_cache, "_last_read", front_cache._UNREAD)

    def test_a_hit_within_the_second_costs_no_query(self):
        self.client.get(self.paper.get_absolute_url())
        with self.assertNumQueries(0):
            response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "hit")

    def test_another_servers_write_is_seen_once_the_second_has_passed(self):
        self.client.get(self.paper.get_absolute_url())
        ContentVersion.bump()  # as another process would: this one's memory is not told
        self.assertEqual(self.client.get(self.paper.get_absolute_url())["X-Cache"], "hit")
        self.clock += 1.01
        self.assertEqual(self.client.get(self.paper.get_absolute_url())["X-Cache"], "miss")

    def test_a_write_in_this_process_is_seen_at_once(self):
        self.client.get(self.paper.get_absolute_url())
        with self.captureOnCommitCallbacks(execute=True):
            make_summary(self.paper, self.alice, "Written a moment ago.")
        response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "miss")
        self.assertContains(response, "Written a moment ago.")


@override_settings(PAGE_CACHE_SECONDS=600)
class OneRenderAtATimeTests(SimpleTestCase):
    """A page missing from the cache is rendered once, however many visitors ask at once."""

    def setUp(self):
        cache.clear()
        self.renders = 0
        self.middleware = AnonymousPageCacheMiddleware(self._view)
        self.factory = RequestFactory()
        patcher = mock.patch(
            "shortscience.web.pages.current_version", return_value=(7, timezone.now())
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _view(self, request):
        self.renders += 1
        if request.path == "/missing":
            return HttpResponse("gone", status=404)
        time.sleep(0.2)  # a slow render, so the others arrive while it runs
        return HttpResponse(f"page {self.renders}")

    def _get(self, path: str):
        return self.middleware(self.factory.get(path))

    def test_visitors_arriving_during_a_render_wait_for_its_copy(self):
        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(self._get, ["/venues"] * 4))
        self.assertEqual(self.renders, 1)
        self.assertEqual({r.content for r in responses}, {b"page 1"})
        self.assertEqual(sorted(r["X-Cache"] for r in responses), ["hit", "hit", "hit", "miss"])

    def test_a_page_that_is_not_stored_releases_the_waiters_at_once(self):
        start = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            responses = list(pool.map(self._get, ["/missing"] * 3))
        self.assertEqual({r.status_code for r in responses}, {404})
        self.assertLess(time.monotonic() - start, front_cache.RENDER_WAIT_SECONDS)

    def test_a_waiter_renders_itself_when_the_renderer_takes_too_long(self):
        # A renderer that died holding the lock: the lock is there, no page ever comes.
        number, _ = front_cache.current_version()
        key = f"page:{number}:testserver:{hashlib.sha256(b'/venues').hexdigest()}"
        cache.add(f"{key}:rendering", 1, 60)
        with mock.patch.object(front_cache, "RENDER_WAIT_SECONDS", 0.05):
            response = self._get("/venues")
        self.assertEqual((self.renders, response.content), (1, b"page 1"))


@override_settings(PAGE_CACHE_SECONDS=600, PAGE_CACHE_LOCAL_BYTES=64 * 1024)
class LocalPagesTests(SimpleTestCase):
    """Each process keeps the pages it served last in front of the shared cache."""

    def setUp(self):
        cache.clear()
        front_cache.local_pages.clear()
        self.addCleanup(front_cache.local_pages.clear)
        self.version = 7
        self.renders = 0
        self.middleware = AnonymousPageCacheMiddleware(self._view)
        self.factory = RequestFactory()
        patcher = mock.patch(
            "shortscience.web.pages.current_version",
            side_effect=lambda: (self.version, timezone.now()),
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _view(self, request):
        self.renders += 1
        size = int(request.GET.get("size", 10))
        return HttpResponse(f"v{self.version} r{self.renders} ".ljust(size, "x"))

    def _get(self, path: str):
        return self.middleware(self.factory.get(path))

    def test_a_page_served_once_is_served_again_without_the_shared_cache(self):
        first = self._get("/venues")
        with mock.patch.object(front_cache.cache, "get") as shared_get:
            second = self._get("/venues")
        shared_get.assert_not_called()
        self.assertEqual((second["X-Cache"], second.content), ("hit", first.content))

    def test_a_page_another_process_stored_is_kept_after_its_first_hit(self):
        self._get("/venues")
        front_cache.local_pages.clear()  # as in a second worker: only the shared cache has it
        self.assertEqual(self._get("/venues")["X-Cache"], "hit")
        with mock.patch.object(front_cache.cache, "get") as shared_get:
            self._get("/venues")
        shared_get.assert_not_called()

    def test_a_new_content_version_drops_every_kept_page(self):
        self._get("/venues")
        self.version = 8
        response = self._get("/venues")
        self.assertEqual((response["X-Cache"], response.content[:6]), ("miss", b"v8 r2 "))
        self.assertIsNone(front_cache.local_pages.get(self._key("/venues", 7), 7))

    def test_the_oldest_pages_go_first_when_the_bound_is_reached(self):
        for n in range(20):  # 20 pages of 4 kB in a 64 kB bound: the first four must go
            self._get(f"/venues?n={n}&size=4096")
        kept = [n for n in range(20) if self._kept(f"/venues?n={n}&size=4096")]
        self.assertEqual(kept, list(range(4, 20)))

    def test_a_page_larger_than_a_sixteenth_of_the_bound_is_left_to_the_shared_cache(self):
        self._get("/venues?size=5000")
        self.assertFalse(self._kept("/venues?size=5000"))
        self.assertEqual(self._get("/venues?size=5000")["X-Cache"], "hit")  # from the shared one

    def test_kept_pages_expire_with_the_page_cache(self):
        clock = [1000.0]
        with mock.patch("shortscience.web.pages.time.monotonic", lambda: clock[0]):
            self._get("/venues")
            clock[0] += 601
            self.assertFalse(self._kept("/venues"))

    @override_settings(PAGE_CACHE_LOCAL_BYTES=0)
    def test_a_bound_of_zero_keeps_nothing(self):
        self._get("/venues")
        self.assertFalse(self._kept("/venues"))

    def _key(self, path: str, version: int) -> str:
        return f"page:{version}:testserver:{hashlib.sha256(path.encode()).hexdigest()}"

    def _kept(self, path: str) -> bool:
        return front_cache.local_pages.get(self._key(path, self.version), self.version) is not None
