from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from shortscience.community.services import cast_vote
from shortscience.test import make_paper, make_summary
from shortscience.web import changes, pages
from shortscience.web.changes import versions
from shortscience.web.models import ContentChange, ContentClock
from shortscience.web.pages import AnonymousPageCacheMiddleware, local_pages
from shortscience.web.tests.helpers import PageCacheTestCase


class AnonymousPageCacheTests(PageCacheTestCase):
    def setUp(self):
        super().setUp()
        self.paper = self.write(make_paper, "Cached Paper")
        self.summary = self.write(make_summary, self.paper, self.alice, "The first text.")

    def test_a_visitor_gets_the_second_view_from_the_cache_without_a_query(self):
        first = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(first["X-Cache"], "miss")
        with self.assertNumQueries(0):  # the changes were read within the second
            second = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(second["X-Cache"], "hit")
        self.assertEqual(second.content, first.content)

    def test_a_hit_carries_every_header_of_the_response_it_was_stored_from(self):
        miss = self.client.get(self.paper.get_absolute_url())
        hit = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(hit["X-Cache"], "hit")
        headers = {name.lower(): value for name, value in miss.items() if name != "X-Cache"}
        self.assertEqual(
            {name.lower(): value for name, value in hit.items() if name != "X-Cache"}, headers
        )
        # The ones that matter most, named: framing, caching by proxies, revalidation.
        for name in ("X-Frame-Options", "Vary", "ETag", "Last-Modified", "Content-Type"):
            self.assertIn(name.lower(), headers)
        self.assertEqual(hit["X-Frame-Options"], "DENY")
        self.assertIn("Cookie", hit["Vary"])

    def test_a_shared_cache_that_fails_makes_misses_not_errors(self):
        local_pages.clear()
        broken = ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with (
            mock.patch.multiple(
                pages.cache,
                get=mock.Mock(side_effect=broken),
                add=mock.Mock(side_effect=broken),
                set=mock.Mock(side_effect=broken),
            ),
            self.settings(PAGE_CACHE_LOCAL_BYTES=0),
            self.assertLogs("shortscience.web.pages", "WARNING"),
        ):
            response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The first text.")

    def test_a_write_to_the_paper_makes_its_page_fresh_and_leaves_another_papers_page(self):
        other = self.write(make_paper, "Another Paper")
        self.client.get(self.paper.get_absolute_url())
        self.client.get(other.get_absolute_url())
        self.write(make_summary, self.paper, self.bob, "A second, newer text.")
        response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "miss")
        self.assertContains(response, "A second, newer text.")
        self.assertEqual(self.client.get(other.get_absolute_url())["X-Cache"], "hit")

    def test_a_vote_re_renders_its_papers_page_not_others(self):
        other = self.write(make_paper, "Another Paper")
        self.write(make_summary, other, self.alice, "Other text.")
        for url in (self.paper.get_absolute_url(), other.get_absolute_url(), "/venues"):
            self.client.get(url)
        self.write(cast_vote, self.bob, summary=self.summary, value=1)
        self.assertEqual(self.client.get(self.paper.get_absolute_url())["X-Cache"], "miss")
        self.assertEqual(self.client.get(other.get_absolute_url())["X-Cache"], "hit")
        self.assertEqual(self.client.get("/venues")["X-Cache"], "hit")  # votes move no venue
        self.assertEqual(self.client.get("/")["X-Cache"], "miss")  # the home tabs' order

    def test_a_page_that_says_nothing_of_what_it_shows_is_stale_after_any_change(self):
        def view(request):
            return HttpResponse("page")

        middleware = AnonymousPageCacheMiddleware(view)
        request = RequestFactory().get("/anything")
        self.assertEqual(middleware(request)["X-Cache"], "miss")
        self.assertEqual(middleware(RequestFactory().get("/anything"))["X-Cache"], "hit")
        self.write(changes.changed, members=[self.charlie.pk])
        self.assertEqual(middleware(RequestFactory().get("/anything"))["X-Cache"], "miss")

    def test_everything_makes_every_page_fresh(self):
        self.client.get("/venues")
        self.write(changes.everything)
        self.assertEqual(self.client.get("/venues")["X-Cache"], "miss")

    def test_a_logged_in_member_is_never_served_from_the_cache(self):
        self.client.get(self.paper.get_absolute_url())
        self.client.force_login(self.bob)
        response = self.client.get(self.paper.get_absolute_url())
        self.assertNotIn("X-Cache", response)

    def test_pages_carry_an_etag_and_last_modified_and_answer_304(self):
        first = self.client.get(self.paper.get_absolute_url())
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

    def test_the_health_check_answers_without_touching_the_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.content, b"ok")
        self.assertNotIn("X-Cache", response)


class AnotherServersWriteTests(PageCacheTestCase):
    """Each process reads the changes at most once a second: another app server's write is
    seen within PAGE_CACHE_VERSION_SECONDS."""

    def setUp(self):
        super().setUp()
        self.paper = self.write(make_paper, "Cached Paper")

    def another_server_writes(self, **what):
        """A change written to the log as another process's apply() would, without telling
        this process."""
        with mock.patch.object(versions, "saw"), mock.patch.object(versions, "sync"):
            self.write(changes.changed, **what)

    def test_a_hit_within_the_second_costs_no_query(self):
        self.client.get(self.paper.get_absolute_url())
        with self.assertNumQueries(0):
            response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "hit")

    def test_another_servers_write_is_seen_once_the_second_has_passed(self):
        url = self.paper.get_absolute_url()
        self.client.get(url)
        self.another_server_writes(papers=[self.paper.pk])
        self.assertEqual(self.client.get(url)["X-Cache"], "hit")  # within the second
        self.clock += 1.01
        self.assertEqual(self.client.get(url)["X-Cache"], "miss")

    def test_another_servers_write_to_another_paper_leaves_this_page(self):
        url = self.paper.get_absolute_url()
        self.client.get(url)
        self.another_server_writes(papers=[self.paper.pk + 1000])
        self.clock += 1.01
        with self.assertNumQueries(1):  # the changes since the last read, and nothing else
            self.assertEqual(self.client.get(url)["X-Cache"], "hit")

    def test_a_write_in_this_process_is_seen_at_once(self):
        self.client.get(self.paper.get_absolute_url())
        self.write(make_summary, self.paper, self.alice, "Written a moment ago.")
        response = self.client.get(self.paper.get_absolute_url())
        self.assertEqual(response["X-Cache"], "miss")
        self.assertContains(response, "Written a moment ago.")

    def test_a_new_log_drops_every_page_stamped_in_the_old_one(self):
        self.client.get(self.paper.get_absolute_url())
        ContentChange.objects.all().delete()
        ContentClock.objects.update(seq=0, pruned=0, epoch="restored")
        self.clock += 1.01
        self.assertEqual(self.client.get(self.paper.get_absolute_url())["X-Cache"], "miss")


@override_settings(PAGE_CACHE_SECONDS=600)
class OneRenderAtATimeTests(SimpleTestCase):
    """A page missing from the cache is rendered once, however many visitors ask at once."""

    def setUp(self):
        cache.clear()
        local_pages.clear()
        self.renders = 0
        self.middleware = AnonymousPageCacheMiddleware(self._view)
        self.factory = RequestFactory()
        for name, value in (("stamp", ("epoch", 7)), ("fresh", True)):
            patcher = mock.patch.object(versions, name, return_value=value)
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
        self.assertLess(time.monotonic() - start, pages.RENDER_WAIT_SECONDS)

    def stale_page_being_rendered(self) -> str:
        """/venues stored, then stale, and another request rendering it."""
        self._get("/venues")
        versions.fresh.return_value = False
        key = f"page:{pages.PAGE_FORMAT}:testserver:{hashlib.sha256(b'/venues').hexdigest()}"
        cache.add(f"{key}:rendering", 1, 60)
        return key

    def test_while_a_stale_page_renders_others_get_the_copy_it_replaces_within_the_promise(self):
        self.stale_page_being_rendered()
        with mock.patch.object(versions, "may_serve_stale", return_value=True):
            response = self._get("/venues")
        self.assertEqual((response["X-Cache"], response.content), ("stale", b"page 1"))
        self.assertEqual(self.renders, 1)

    def test_past_the_promise_others_wait_for_the_render_instead(self):
        self.stale_page_being_rendered()
        with (
            mock.patch.object(versions, "may_serve_stale", return_value=False),
            mock.patch.object(pages, "RENDER_WAIT_SECONDS", 0.05),
        ):
            response = self._get("/venues")
        self.assertEqual((response["X-Cache"], response.content), ("miss", b"page 2"))

    def test_a_waiter_renders_itself_when_the_renderer_takes_too_long(self):
        # A renderer that died holding the lock: the lock is there, no page ever comes.
        key = f"page:{pages.PAGE_FORMAT}:testserver:{hashlib.sha256(b'/venues').hexdigest()}"
        cache.add(f"{key}:rendering", 1, 60)
        with mock.patch.object(pages, "RENDER_WAIT_SECONDS", 0.05):
            response = self._get("/venues")
        self.assertEqual((self.renders, response.content), (1, b"page 1"))


@override_settings(PAGE_CACHE_SECONDS=600, PAGE_CACHE_LOCAL_BYTES=64 * 1024)
class LocalPagesTests(SimpleTestCase):
    """Each process keeps the pages it served last in front of the shared cache."""

    def setUp(self):
        cache.clear()
        local_pages.clear()
        self.addCleanup(local_pages.clear)
        self.stale: set[str] = set()
        self.renders = 0
        self.middleware = AnonymousPageCacheMiddleware(self._view)
        self.factory = RequestFactory()
        patcher = mock.patch.object(versions, "stamp", return_value=("epoch", 7))
        patcher.start()
        self.addCleanup(patcher.stop)
        patcher = mock.patch.object(
            versions, "fresh", side_effect=lambda epoch, stamp, tags: not (set(tags) & self.stale)
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _view(self, request):
        self.renders += 1
        size = int(request.GET.get("size", 10))
        pages.shows(request, papers=[int(request.GET.get("paper", 1))])
        return HttpResponse(f"r{self.renders} ".ljust(size, "x"))

    def _get(self, path: str):
        return self.middleware(self.factory.get(path))

    def _kept(self, path: str) -> bool:
        key = f"page:{pages.PAGE_FORMAT}:testserver:{hashlib.sha256(path.encode()).hexdigest()}"
        return local_pages.get(key) is not None

    def test_a_page_served_once_is_served_again_without_the_shared_cache(self):
        first = self._get("/venues")
        with mock.patch.object(pages.cache, "get") as shared_get:
            second = self._get("/venues")
        shared_get.assert_not_called()
        self.assertEqual((second["X-Cache"], second.content), ("hit", first.content))

    def test_a_page_another_process_stored_is_kept_after_its_first_hit(self):
        self._get("/venues")
        local_pages.clear()  # as in a second worker: only the shared cache has it
        self.assertEqual(self._get("/venues")["X-Cache"], "hit")
        with mock.patch.object(pages.cache, "get") as shared_get:
            self._get("/venues")
        shared_get.assert_not_called()

    def test_a_kept_page_whose_paper_changed_is_rendered_again_and_others_stay(self):
        self._get("/venues?paper=1")
        self._get("/venues?paper=2")
        self.stale = {"paper:1"}
        self.assertEqual(self._get("/venues?paper=1")["X-Cache"], "miss")
        self.assertEqual(self._get("/venues?paper=2")["X-Cache"], "hit")

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
