"""Which requests read from a replica (web/replicas.py). bench/replicas.py runs the site on
a real streaming replica and PgBouncer; these pin the decisions themselves."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from shortscience.papers.models import Paper
from shortscience.test import make_paper
from shortscience.web import replicas
from shortscience.web.changes import versions
from shortscience.web.pages import AnonymousPageCacheMiddleware
from shortscience.web.replicas import PIN_COOKIE, ReplicaMiddleware, ReplicaRouter
from shortscience.web.tests.helpers import PageCacheTestCase


def seen_by(middleware, request):
    """The database the request's reads were routed to."""
    seen = []

    def view(request):
        seen.append(ReplicaRouter().db_for_read(Paper))
        return HttpResponse("ok")

    middleware.get_response = view
    response = middleware(request)
    return seen[0], response


@override_settings(REPLICA_PIN_SECONDS=5, REPLICA_MAX_LAG_SECONDS=1)
class ReplicaMiddlewareTests(SimpleTestCase):
    def setUp(self):
        self.factory = RequestFactory()
        patcher = mock.patch.object(replicas, "process_replica", return_value="replica1")
        patcher.start()
        self.addCleanup(patcher.stop)
        self.lag = mock.patch.object(replicas, "lag", return_value=0.01)
        self.lag.start()
        self.addCleanup(self.lag.stop)
        self.middleware = ReplicaMiddleware(None)
        cache.clear()
        self.addCleanup(cache.clear)

    def test_a_visitors_get_reads_from_the_replica(self):
        alias, _ = seen_by(self.middleware, self.factory.get("/"))
        self.assertEqual(alias, "replica1")

    def test_a_post_reads_and_writes_the_primary_and_pins_the_browser(self):
        alias, response = seen_by(self.middleware, self.factory.post("/comment"))
        self.assertEqual(alias, "default")
        cookie = response.cookies[PIN_COOKIE]
        self.assertEqual(cookie["max-age"], 5)
        self.assertTrue(cookie["httponly"])

    def test_a_browser_that_wrote_lately_reads_its_own_writes_from_the_primary(self):
        request = self.factory.get("/paper/1")
        request.COOKIES[PIN_COOKIE] = "1"
        alias, _ = seen_by(self.middleware, request)
        self.assertEqual(alias, "default")

    def test_a_token_that_wrote_lately_reads_from_the_primary_and_another_token_does_not(self):
        seen_by(self.middleware, self.factory.post("/api/v1/x", HTTP_AUTHORIZATION="Bearer a"))
        mine, _ = seen_by(self.middleware, self.factory.get("/", HTTP_AUTHORIZATION="Bearer a"))
        other, _ = seen_by(self.middleware, self.factory.get("/", HTTP_AUTHORIZATION="Bearer b"))
        self.assertEqual((mine, other), ("default", "replica1"))

    def test_a_replica_too_far_behind_or_down_sends_reads_to_the_primary(self):
        with mock.patch.object(replicas, "lag", return_value=3.0):
            behind, _ = seen_by(ReplicaMiddleware(None), self.factory.get("/"))
        with mock.patch.object(replicas, "lag", side_effect=OperationalError("refused")):
            with self.assertLogs("shortscience.web.replicas", "WARNING"):
                down, _ = seen_by(ReplicaMiddleware(None), self.factory.get("/"))
        self.assertEqual((behind, down), ("default", "default"))

    def test_without_replicas_nothing_is_routed_or_pinned(self):
        with mock.patch.object(replicas, "process_replica", return_value=None):
            middleware = ReplicaMiddleware(None)
        alias, response = seen_by(middleware, self.factory.post("/comment"))
        self.assertEqual(alias, "default")
        self.assertNotIn(PIN_COOKIE, response.cookies)


class ReplicaRouterTests(SimpleTestCase):
    databases = {"default"}

    def test_writes_and_migrations_go_to_the_primary_only(self):
        router = ReplicaRouter()
        self.assertEqual(router.db_for_write(Paper), "default")
        self.assertTrue(router.allow_migrate("default", "papers"))
        self.assertFalse(router.allow_migrate("replica1", "papers"))

    def test_reads_inside_a_transaction_stay_on_the_primary(self):
        token = replicas._reading_from.set("replica1")
        try:
            outside = ReplicaRouter().db_for_read(Paper)
            with transaction.atomic():
                inside = ReplicaRouter().db_for_read(Paper)
        finally:
            replicas._reading_from.reset(token)
        self.assertEqual((outside, inside), ("replica1", "default"))


class PagesFromAReplicaTests(PageCacheTestCase):
    def test_a_page_is_stamped_no_later_than_its_replicas_clock(self):
        paper = self.write(make_paper, "Replicated Paper")
        request = RequestFactory().get(paper.get_absolute_url())
        request.user = AnonymousUser()
        middleware = AnonymousPageCacheMiddleware(lambda request: HttpResponse("page"))
        epoch, known = versions.stamp()
        token = replicas._reading_from.set("replica1")
        try:
            # The replica has not applied the primary's last change yet.
            with mock.patch.object(replicas, "position", return_value=known - 1) as position:
                middleware._render(request, "page:test", epoch, known)
        finally:
            replicas._reading_from.reset(token)
        position.assert_called_once_with("replica1", epoch)
        self.assertEqual(cache.get("page:test").stamp, known - 1)
