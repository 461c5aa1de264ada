"""The database unreachable: cached pages still served, a clear 503 otherwise."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError, connection
from django.test import override_settings

from shortscience.test import make_paper, make_summary
from shortscience.web.pages import local_pages
from shortscience.web.tests.helpers import PageCacheTestCase

REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')


class DatabaseUnreachableTests(PageCacheTestCase):
    def setUp(self):
        super().setUp()
        self.paper = self.write(make_paper, "Kept Paper")
        self.write(make_summary, self.paper, self.alice, "A text worth keeping.")
        self.url = self.paper.get_absolute_url()
        # As a served site: an uncaught error is the handler's page, not raised in the test.
        self.client.raise_request_exception = False

    def unreachable(self):
        # What Django raises when it cannot connect: every query of the request fails.
        return mock.patch.object(connection, "ensure_connection", side_effect=REFUSED)

    def test_a_visitor_gets_the_kept_page_when_the_changes_cannot_be_read(self):
        first = self.client.get(self.url)
        self.clock += 5  # the changes are due to be read again
        with self.unreachable():
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Cache"], "stale-unreachable")
        self.assertEqual(response.content, first.content)

    @override_settings(DEBUG=False)
    def test_a_kept_page_a_known_change_made_stale_is_a_503_not_what_may_no_longer_be_seen(
        self,
    ):
        self.client.get(self.url)
        self.write(make_summary, self.paper, self.bob, "A newer text.")
        local_pages.clear()  # from the shared cache, as on another app server
        with self.unreachable():
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertNotContains(response, "A text worth keeping.", status_code=503)

    def test_while_unreachable_the_log_is_tried_again_after_half_a_period_not_per_request(self):
        first = self.client.get(self.url)
        self.clock += 5
        with self.unreachable() as connect:
            for _ in range(3):
                self.assertEqual(self.client.get(self.url)["X-Cache"], "stale-unreachable")
            self.assertEqual(connect.call_count, 1)
            self.clock += 0.6  # PAGE_CACHE_VERSION_SECONDS / 2 later
            self.client.get(self.url)
            self.assertEqual(connect.call_count, 2)
        self.clock += 0.6
        response = self.client.get(self.url)  # back: read, fresh, served as before
        self.assertEqual((response["X-Cache"], response.content), ("hit", first.content))

    @override_settings(DEBUG=False)
    def test_a_page_never_kept_is_a_503_that_says_why_and_no_stack_trace(self):
        self.clock += 5
        with self.unreachable():
            response = self.client.get("/venues")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertContains(response, "cannot reach its database", status_code=503)
        self.assertNotContains(response, "Traceback", status_code=503)
        self.assertNotContains(response, "5432", status_code=503)

    @override_settings(DEBUG=False)
    def test_a_member_gets_the_503_page_too(self):
        self.client.force_login(self.alice)
        with self.unreachable():
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertContains(response, "try again in a minute", status_code=503)

    @override_settings(DEBUG=False)
    def test_any_other_error_is_a_plain_500_page(self):
        self.client.force_login(self.alice)
        with mock.patch(
            "shortscience.discovery.reading.page_number", side_effect=ValueError("boom")
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Something went wrong", status_code=500)
        self.assertNotContains(response, "boom", status_code=500)
