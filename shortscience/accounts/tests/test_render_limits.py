"""What one member may ask of the markup renderer: previews under a policy of their own,
and the CPU time of every render taken from a "render" bucket that holds seconds."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.accounts.models import TokenBucket
from shortscience.accounts.ratelimit import POLICIES
from shortscience.test import BaseTestCase, make_paper, make_summary


def at(when):
    return mock.patch("shortscience.accounts.models.timezone.now", return_value=when)


class TokenBucketAmountTests(BaseTestCase):
    def test_it_spends_an_amount_only_when_the_bucket_holds_it(self):
        now = timezone.now()
        with at(now):
            self.assertEqual(TokenBucket.take("k", 10, 60, 4), (True, 6))
            self.assertEqual(TokenBucket.take("k", 10, 60, 7), (False, 6))

    def test_with_debt_it_spends_below_zero_and_the_next_action_waits_it_out(self):
        now = timezone.now()
        with at(now):
            self.assertEqual(TokenBucket.take("k", 10, 60, 12, debt=True), (True, -2))
            self.assertEqual(TokenBucket.level("k", 10, 60), -2)
        # 10 per 60 s: back above zero after 12 s.
        with at(now + timedelta(seconds=13)):
            self.assertGreater(TokenBucket.level("k", 10, 60), 0)

    def test_level_reads_the_bucket_and_spends_nothing(self):
        self.assertEqual(TokenBucket.level("never-used", 10, 60), 10)
        self.assertFalse(TokenBucket.objects.exists())


class PreviewPolicyTests(BaseTestCase):
    def test_ten_minutes_of_typing_and_a_comment_preview_a_minute_are_never_refused(self):
        # editor.js previews at most once a second however fast the writer types.
        capacity, seconds = POLICIES["preview"]
        start = timezone.now()
        answers = []
        for n in range(10 * 60):
            for extra in range(2 if n % 60 == 0 else 1):
                with at(start + timedelta(seconds=n + extra / 10)):
                    answers.append(TokenBucket.authorize("preview:user:1", capacity, seconds))
        self.assertTrue(all(answers))

    def test_a_script_posting_as_fast_as_it_is_answered_gets_one_a_second(self):
        capacity, seconds = POLICIES["preview"]
        start = timezone.now()
        with at(start):
            answers = [
                TokenBucket.authorize("preview:user:1", capacity, seconds) for _ in range(121)
            ]
        self.assertEqual(answers.count(True), 120)
        with at(start + timedelta(seconds=10)):
            answers = [
                TokenBucket.authorize("preview:user:1", capacity, seconds) for _ in range(20)
            ]
        self.assertEqual(answers.count(True), 10)  # where it was twenty


class RenderBucketTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Deep Residual Learning")
        self.key = f"render:user:{self.alice.pk}"
        self.client.force_login(self.alice)

    def spend_it(self, tokens=-0.5):
        TokenBucket.objects.create(key=self.key, tokens=tokens, updated=timezone.now())

    def test_every_preview_is_charged_to_the_members_rendering_time(self):
        self.client.post("/markup/preview", {"text": "Residuals: $y = F(x) + x$."})
        capacity, _ = POLICIES["render"]
        self.assertLess(TokenBucket.objects.get(key=self.key).tokens, capacity)
        self.assertFalse(TokenBucket.objects.filter(key=f"render:user:{self.bob.pk}").exists())

    def test_a_refused_text_is_charged_too(self):
        with self.settings(MARKUP_BUDGET_SECONDS=0.01):
            r = self.client.post("/markup/preview", {"text": "[" * 20_000})
        self.assertEqual(r.status_code, 400)
        capacity, _ = POLICIES["render"]
        self.assertLessEqual(TokenBucket.objects.get(key=self.key).tokens, capacity - 0.01)

    def test_once_it_is_spent_previews_saves_and_comments_wait_with_a_429(self):
        summary = make_summary(self.paper, self.bob, "Bob's summary.")
        self.spend_it()
        answers = {
            "preview": self.client.post("/markup/preview", {"text": "a"}),
            "save": self.client.post(
                f"/paper/{self.paper.pk}/summary/edit",
                {"body": "Hi.", "visibility": "public", "publish": "1"},
            ),
            "comment": self.client.post(f"/summary/{summary.pk}/comments", {"body": "Hi."}),
            "comment preview": self.client.post(
                f"/summary/{summary.pk}/comments/preview", {"body": "Hi."}
            ),
        }
        for what, r in answers.items():
            with self.subTest(what):
                self.assertEqual(r.status_code, 429)
                self.assertIn("typesetting time", r.content.decode())
                self.assertGreaterEqual(int(r["Retry-After"]), 3)
        self.assertEqual(summary.comments.count(), 0)
        # The editor page itself (a GET renders nothing) still opens.
        self.assertEqual(self.client.get(f"/paper/{self.paper.pk}/summary/edit").status_code, 200)

    def test_a_spent_bucket_answers_429_before_the_csrf_check_reads_the_body(self):
        # Without a CSRF token the view's decorators never run (403); a 429 here comes from
        # the early refusal, which reads the buckets and not the form.
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.alice)
        self.assertEqual(strict.post("/markup/preview", {"text": "a"}).status_code, 403)
        for bucket in (self.key, f"preview:user:{self.alice.pk}"):
            with self.subTest(bucket):
                TokenBucket.objects.all().delete()
                TokenBucket.objects.create(key=bucket, tokens=-0.5, updated=timezone.now())
                with mock.patch("django.http.request.QueryDict") as parse:
                    r = strict.post("/markup/preview", {"text": "[" * 100_000})
                self.assertEqual(r.status_code, 429)
                parse.assert_not_called()

    def test_a_refused_session_is_refused_again_without_a_query_until_the_bucket_refills(self):
        self.spend_it(tokens=-1.0)  # 20 s per 120 s: holds anything again after 6 s
        clock = [1000.0]
        with mock.patch(
            "shortscience.accounts.middleware.time.monotonic", side_effect=lambda: clock[0]
        ):
            first = self.client.post("/markup/preview", {"text": "a"})
            self.assertEqual(first.status_code, 429)
            with self.assertNumQueries(0):
                again = self.client.post("/markup/preview", {"text": "[" * 100_000})
            self.assertEqual((again.status_code, again.content), (429, first.content))
            self.assertEqual(again["Retry-After"], "6")
            # Only that path: the comment preview reads the buckets (and is refused by them).
            summary = make_summary(self.paper, self.bob, "Bob's summary.")
            with CaptureQueriesContext(connection) as read:
                other = self.client.post(f"/summary/{summary.pk}/comments/preview", {"body": "Hi"})
            self.assertEqual(other.status_code, 429)
            self.assertTrue(read.captured_queries)
            # Another member's session is theirs alone.
            bob = Client()
            bob.force_login(self.bob)
            self.assertEqual(bob.post("/markup/preview", {"text": "a"}).status_code, 200)
            # Once the wait is over the buckets are asked again: refilled, the preview runs.
            clock[0] += 7
            with at(timezone.now() + timedelta(seconds=7)):
                self.assertEqual(
                    self.client.post("/markup/preview", {"text": "a"}).status_code, 200
                )

    def test_a_visitors_refusal_is_not_remembered(self):
        # A visitor's cookie is whatever they send: remembering it would let anyone fill
        # the memory. Only members' sessions are remembered.
        from shortscience.accounts.middleware import RefusedRecentlyMiddleware

        remembered = []
        original = RefusedRecentlyMiddleware.__call__

        def spy(middleware, request):
            response = original(middleware, request)
            remembered.append(len(middleware.refused))
            return response

        visitor = Client()
        visitor.cookies["sessionid"] = "made-up"
        TokenBucket.objects.create(key="coverage:ip:127.0.0.1", tokens=0, updated=timezone.now())
        with mock.patch.object(RefusedRecentlyMiddleware, "__call__", spy):
            self.assertEqual(visitor.post("/coverage", {"text": "1706.03762"}).status_code, 429)
        self.assertEqual(remembered, [0])

    def test_it_refills_and_another_member_has_their_own(self):
        self.spend_it()
        later = timezone.now() + timedelta(seconds=10)
        with at(later):
            self.assertEqual(self.client.post("/markup/preview", {"text": "a"}).status_code, 200)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post("/markup/preview", {"text": "a"}).status_code, 200)
