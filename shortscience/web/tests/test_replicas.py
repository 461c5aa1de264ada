"""Which requests read from a replica (web/replicas.py). bench/replicas.py runs the site on
a real streaming replica and PgBouncer; these pin the decisions themselves."""

from __future__ import annotations

from unittest import mock

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from shortscience.papers.models import Paper
from shortscience.test import make_paper
from shortscience.web import outage, replicas
from shortscience.web.changes import versions
from shortscience.web.pages import AnonymousPageCacheMiddleware
from shortscience.web.replicas import PIN_COOKIE, ReplicaMiddleware, ReplicaRouter
from shortscience.web.tests.helpers import PageCacheTestCase


def routed(middleware, request, view=None):
    """The databases the request's reads went to, in order, and its response."""
    seen = []

    def reading(request):
        seen.append(ReplicaRouter().db_for_read(Paper))
        return view(request) if view else HttpResponse("ok")

    middleware.get_response = reading
    response = middleware(request)
    return seen, response


@override_settings(REPLICA_PIN_SECONDS=5, REPLICA_MAX_LAG_SECONDS=1)
class ReplicaMiddlewareTests(SimpleTestCase):
    def setUp(self):
        self.factory = RequestFactory()
        for name, value in (("process_replica", "replica1"), ("lag", 0.01), ("position", 0)):
            patcher = mock.patch.object(replicas, name, return_value=value)
            patcher.start()
            self.addCleanup(patcher.stop)
        self.middleware = ReplicaMiddleware(None)
        cache.clear()
        self.addCleanup(cache.clear)

    def test_a_visitors_get_reads_from_the_replica(self):
        seen, response = routed(self.middleware, self.factory.get("/"))
        self.assertEqual(seen, ["replica1"])
        self.assertNotIn(PIN_COOKIE, response.cookies)

    def test_a_post_reads_and_writes_the_primary_and_pins_the_browser(self):
        seen, response = routed(self.middleware, self.factory.post("/comment"))
        self.assertEqual(seen, ["default"])
        cookie = response.cookies[PIN_COOKIE]
        self.assertEqual(cookie["max-age"], 5)
        self.assertTrue(cookie["httponly"])

    def test_a_browser_that_wrote_lately_reads_its_own_writes_from_the_primary(self):
        request = self.factory.get("/paper/1")
        request.COOKIES[PIN_COOKIE] = "1"
        self.assertEqual(routed(self.middleware, request)[0], ["default"])

    def test_a_get_that_writes_reads_the_primary_after_it_and_pins_the_browser(self):
        def view(request):  # a paper fetched on a visit, an OAuth sign-in
            ReplicaRouter().db_for_write(Paper)
            seen.append(ReplicaRouter().db_for_read(Paper))
            return HttpResponse("ok")

        seen = []
        before, response = routed(self.middleware, self.factory.get("/arxiv/1706.03762"), view)
        self.assertEqual(before + seen, ["replica1", "default"])
        self.assertIn(PIN_COOKIE, response.cookies)

    def test_a_get_that_sets_the_session_cookie_pins_the_browser(self):
        def view(request):
            response = HttpResponse("signed in")
            response.set_cookie(settings.SESSION_COOKIE_NAME, "new-session")
            return response

        _, response = routed(self.middleware, self.factory.get("/accounts/orcid/login/"), view)
        self.assertIn(PIN_COOKIE, response.cookies)

    def test_a_token_that_wrote_lately_reads_from_the_primary_and_another_token_does_not(self):
        routed(self.middleware, self.factory.post("/api/v1/x", HTTP_AUTHORIZATION="Bearer a"))
        mine, _ = routed(self.middleware, self.factory.get("/", HTTP_AUTHORIZATION="Bearer a"))
        other, _ = routed(self.middleware, self.factory.get("/", HTTP_AUTHORIZATION="Bearer b"))
        self.assertEqual((mine, other), (["default"], ["replica1"]))

    def test_a_cache_that_fails_sends_a_tokens_reads_to_the_primary_and_fails_no_write(self):
        broken = mock.Mock(side_effect=ConnectionError("redis refused"))
        with (
            mock.patch.multiple(replicas.cache, get=broken, set=broken),
            self.assertLogs("shortscience.web.replicas", "WARNING"),
        ):
            _, posted = routed(
                self.middleware, self.factory.post("/api/v1/x", HTTP_AUTHORIZATION="Bearer a")
            )
            seen, _ = routed(self.middleware, self.factory.get("/", HTTP_AUTHORIZATION="Bearer a"))
        self.assertEqual((posted.status_code, seen), (200, ["default"]))

    def test_a_replica_too_far_behind_cut_off_or_down_sends_reads_to_the_primary(self):
        for lag in (
            mock.Mock(return_value=3.0),
            mock.Mock(side_effect=replicas.NotAReplica("replica1 is not streaming")),
            mock.Mock(side_effect=OperationalError("refused")),
        ):
            with (
                self.subTest(lag),
                mock.patch.object(replicas, "lag", lag),
                self.assertLogs("shortscience.web.replicas", "WARNING")
                if lag.side_effect
                else mock.MagicMock(),
            ):
                seen, _ = routed(ReplicaMiddleware(None), self.factory.get("/"))
            self.assertEqual(seen, ["default"])

    def test_a_replica_whose_change_clock_trails_the_primarys_too_long_is_left(self):
        versions.reset()
        self.addCleanup(versions.reset)
        versions.epoch, versions.synced = "e1", 10  # what this process read of the primary's log
        middleware = ReplicaMiddleware(None)
        clock = [100.0]
        with (
            mock.patch.object(replicas, "position", return_value=7),
            mock.patch.object(replicas.time, "monotonic", lambda: clock[0]),
        ):
            first, _ = routed(middleware, self.factory.get("/"))  # behind: for now
            clock[0] += 1.5  # behind for longer than REPLICA_MAX_LAG_SECONDS
            later, _ = routed(middleware, self.factory.get("/"))
        self.assertEqual((first, later), (["replica1"], ["default"]))

    def test_a_get_the_replica_failed_is_answered_from_the_primary(self):
        def view(request):
            if ReplicaRouter().db_for_read(Paper) == "replica1":
                return outage.unavailable()  # what handler500 makes of its error
            return HttpResponse("from the primary")

        with self.assertLogs("shortscience.web.replicas", "WARNING"):
            seen, response = routed(self.middleware, self.factory.get("/"), view)
        self.assertEqual((seen, response.content), (["replica1", "default"], b"from the primary"))
        self.assertEqual(routed(self.middleware, self.factory.get("/"))[0], ["default"])

    def test_without_replicas_nothing_is_routed_or_pinned(self):
        with mock.patch.object(replicas, "process_replica", return_value=None):
            seen, response = routed(ReplicaMiddleware(None), self.factory.post("/comment"))
        self.assertEqual(seen, ["default"])
        self.assertNotIn(PIN_COOKIE, response.cookies)


class ReplicaRouterTests(SimpleTestCase):
    databases = {"default"}

    def test_writes_and_migrations_go_to_the_primary_only(self):
        router = ReplicaRouter()
        self.assertEqual(router.db_for_write(Paper), "default")
        self.assertTrue(router.allow_migrate("default", "papers"))
        self.assertFalse(router.allow_migrate("replica1", "papers"))

    def test_reads_inside_a_transaction_stay_on_the_primary(self):
        token = replicas._request.set(replicas._Request("replica1"))
        try:
            outside = ReplicaRouter().db_for_read(Paper)
            with transaction.atomic():
                inside = ReplicaRouter().db_for_read(Paper)
        finally:
            replicas._request.reset(token)
        self.assertEqual((outside, inside), ("replica1", "default"))


class PagesFromAReplicaTests(PageCacheTestCase):
    def test_a_page_is_stamped_no_later_than_its_replicas_clock(self):
        paper = self.write(make_paper, "Replicated Paper")
        request = RequestFactory().get(paper.get_absolute_url())
        request.user = AnonymousUser()
        middleware = AnonymousPageCacheMiddleware(lambda request: HttpResponse("page"))
        epoch, known = versions.stamp()
        token = replicas._request.set(replicas._Request("replica1"))
        try:
            # The replica has not applied the primary's last change yet.
            with mock.patch.object(replicas, "position", return_value=known - 1) as position:
                middleware._render(request, "page:test", epoch, known)
        finally:
            replicas._request.reset(token)
        position.assert_called_once_with("replica1", epoch)
        self.assertEqual(cache.get("page:test").stamp, known - 1)
