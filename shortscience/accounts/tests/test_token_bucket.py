from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.test import TestCase
from django.utils import timezone

from shortscience.accounts.models import TokenBucket


class TokenBucketTests(TestCase):
    def authorize_at(self, when, key="post:user:1"):
        with mock.patch("shortscience.accounts.models.timezone.now", return_value=when):
            return TokenBucket.authorize(key, capacity=3, seconds=60)

    def test_it_allows_the_capacity_then_refuses(self):
        now = timezone.now()
        self.assertEqual([self.authorize_at(now) for _ in range(4)], [True, True, True, False])

    def test_it_refills_evenly_over_time(self):
        now = timezone.now()
        for _ in range(3):
            self.authorize_at(now)
        self.assertFalse(self.authorize_at(now + timedelta(seconds=10)))
        # 3 tokens per 60 s: one more after 20 s.
        self.assertTrue(self.authorize_at(now + timedelta(seconds=21)))
        self.assertFalse(self.authorize_at(now + timedelta(seconds=22)))

    def test_keys_have_separate_buckets(self):
        now = timezone.now()
        for _ in range(3):
            self.authorize_at(now, "post:user:1")
        self.assertFalse(self.authorize_at(now, "post:user:1"))
        self.assertTrue(self.authorize_at(now, "post:user:2"))
