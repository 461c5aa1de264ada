from __future__ import annotations

from unittest import mock

from django.utils import timezone

from shortscience.accounts.ratelimit import POLICIES
from shortscience.summaries.models import Summary
from shortscience.test import BaseTestCase


class MarkupPreviewTests(BaseTestCase):
    url = "/markup/preview"

    def test_it_returns_the_rendered_fragment_for_a_member(self):
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url, {"text": "Hello *world*, $\\sqrt{2}$ <script>alert(1)</script>"}
        )
        self.assertEqual(r.status_code, 200)
        html = r.content.decode()
        self.assertIn("<em>world</em>", html)
        self.assertIn('class="katex"', html)
        self.assertNotIn("<script", html)
        self.assertEqual(r["Cache-Control"], "no-store")
        self.assertFalse(Summary.objects.exists())

    def test_an_anonymous_visitor_gets_no_preview(self):
        r = self.client.post(self.url, {"text": "hi"})
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_it_needs_a_csrf_token(self):
        self.client.force_login(self.alice)
        self.client.handler.enforce_csrf_checks = True
        self.assertEqual(self.client.post(self.url, {"text": "hi"}).status_code, 403)

    def test_it_only_answers_post(self):
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(self.url, {"text": "hi"}).status_code, 405)

    def test_it_refuses_an_oversized_body(self):
        self.client.force_login(self.alice)
        with self.settings(SUMMARY_MAX_CHARS=100):
            r = self.client.post(self.url, {"text": "x" * 101})
        self.assertEqual(r.status_code, 400)

    def test_it_is_rate_limited_per_member(self):
        self.client.force_login(self.bob)
        capacity, _ = POLICIES["preview"]
        # Time stands still, so the bucket cannot refill while the test runs however slow it is.
        frozen = timezone.now()
        with mock.patch("shortscience.accounts.models.timezone.now", return_value=frozen):
            codes = [
                self.client.post(self.url, {"text": "a"}).status_code for _ in range(capacity + 1)
            ]
        self.assertEqual(codes[:capacity], [200] * capacity)
        self.assertEqual(codes[-1], 429)
        # Another member has a bucket of their own.
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(self.url, {"text": "a"}).status_code, 200)
