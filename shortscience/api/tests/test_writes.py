"""Writing through the API with a personal access token: papers, summaries (If-Match),
comments and votes, each through the service the pages use, under the pages' rate limits;
and the tokens themselves, made, shown once and revoked on /settings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from unittest import mock

from django.core import mail

from shortscience.accounts.models import ApiToken, TokenBucket
from shortscience.accounts.services import create_api_token
from shortscience.community.models import Comment, Vote
from shortscience.papers.models import Paper
from shortscience.summaries.models import Revision, Summary
from shortscience.test import BaseTestCase, RecordedServer, make_paper, make_summary

DATA = Path(__file__).resolve().parents[2] / "papers" / "tests" / "data"
ATOM = "application/atom+xml; charset=utf-8"


class WriteTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", identifiers={"arxiv": "1706.03762"})
        _, self.alice_token = create_api_token(self.alice, name="notes script", scope="write")
        _, self.bob_token = create_api_token(self.bob, name="votes", scope="write")
        _, self.alice_reader = create_api_token(self.alice, name="reader", scope="read")

    def call(self, method: str, path: str, body=None, token: str | None = None, **headers):
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return getattr(self.client, method)(
            path,
            json.dumps(body) if body is not None else None,
            content_type="application/json",
            **headers,
        )

    def post_summary(self, body="Alice on **attention**: $QK^T$.", token=None, **fields):
        fields.setdefault("paper", "arXiv:1706.03762v5")
        return self.call(
            "post",
            "/api/v1/summaries",
            {"body_markdown": body, **fields},
            token or self.alice_token,
        )


class TokenTests(WriteTestCase):
    def test_a_token_is_stored_only_as_a_hash(self):
        stored = ApiToken.objects.get(name="notes script")
        self.assertNotIn(self.alice_token, (stored.digest, stored.shown_prefix))
        self.assertEqual(stored.digest, ApiToken.digest_of(self.alice_token))
        self.assertTrue(self.alice_token.startswith(stored.shown_prefix))

    def test_a_write_without_a_token_or_with_a_wrong_one_is_a_401_and_changes_nothing(self):
        body = {"paper": "1706.03762", "body_markdown": "Who am I?"}
        for token in (None, "ss_not-a-token", self.alice_token + "x"):
            with self.subTest(token=token):
                r = self.call("post", "/api/v1/summaries", body, token)
                self.assertEqual(r.status_code, 401)
                self.assertIn("detail", r.json())
        self.assertFalse(Summary.objects.exists())

    def test_a_read_token_cannot_write_and_is_told_why(self):
        r = self.post_summary(token=self.alice_reader)
        self.assertEqual(r.status_code, 403)
        self.assertIn("write token", r.json()["detail"])
        self.assertFalse(Summary.objects.exists())

    def test_a_revoked_token_or_a_banned_members_token_opens_nothing(self):
        stored = ApiToken.objects.get(name="notes script")
        self.client.force_login(self.alice)
        self.client.post(f"/settings/tokens/{stored.pk}/revoke")
        self.assertEqual(self.post_summary().status_code, 401)
        self.bob.banned_at = stored.created
        self.bob.save()
        self.assertEqual(self.post_summary(token=self.bob_token).status_code, 401)

    def test_the_settings_page_makes_a_token_shows_it_once_and_revokes_it(self):
        self.client.force_login(self.charlie)
        shown = self.client.post("/settings/tokens", {"name": "my mirror", "scope": "write"})
        self.assertEqual(shown.status_code, 200)
        self.assertIn("no-cache", shown["Cache-Control"])  # Back does not show it again
        page = shown.content.decode()
        secret = re.search(r'value="(ss_[^"]+)"', page)[1]
        self.assertIn("my mirror", page)
        self.assertNotIn(secret, self.client.get("/settings").content.decode())
        self.assertNotIn(secret, str(dict(self.client.session)))
        self.assertNotIn(secret, str(shown.cookies))
        # The token works, as charlie.
        self.assertEqual(self.post_summary(token=secret).json()["author"]["username"], "charlie")
        token = ApiToken.objects.get(name="my mirror")
        self.client.post(f"/settings/tokens/{token.pk}/revoke")
        self.assertEqual(self.post_summary(body="Again.", token=secret).status_code, 401)
        self.assertNotIn("my mirror", self.client.get("/settings").content.decode())

    def test_a_member_cannot_revoke_another_members_token(self):
        stored = ApiToken.objects.get(name="notes script")
        self.client.force_login(self.bob)
        self.client.post(f"/settings/tokens/{stored.pk}/revoke")
        self.assertIsNone(ApiToken.objects.get(pk=stored.pk).revoked_at)

    def test_the_token_forms_need_a_csrf_token_and_a_visitor_is_sent_to_log_in(self):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.charlie)
        self.assertEqual(
            strict.post("/settings/tokens", {"name": "x", "scope": "read"}).status_code, 403
        )
        self.assertEqual(Client().post("/settings/tokens", {"name": "x"}).status_code, 302)
        self.assertFalse(ApiToken.objects.filter(user=self.charlie).exists())

    def test_a_bad_scope_is_a_400_and_makes_no_token(self):
        self.client.force_login(self.charlie)
        r = self.client.post("/settings/tokens", {"name": "x", "scope": "admin"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(ApiToken.objects.filter(user=self.charlie).exists())

    def test_create_api_token_makes_a_token_for_administrators_and_scripts(self):
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("create_api_token", "charlie", "--scope", "write", "--name", "ci", stdout=out)
        secret = out.getvalue().strip().splitlines()[-1]
        self.assertEqual(self.post_summary(token=secret).status_code, 201)


class SummaryWriteTests(WriteTestCase):
    def test_a_summary_posted_with_a_token_is_saved_like_one_from_the_editor(self):
        r = self.post_summary()
        self.assertEqual(r.status_code, 201)
        answer = r.json()
        summary = Summary.objects.get()
        self.assertEqual((summary.user, summary.paper), (self.alice, self.paper))
        self.assertIn("katex", answer["body_html"])  # rendered at save, as the editor's
        self.assertEqual(answer["author"]["username"], "alice")
        self.assertEqual(summary.revisions.count(), 1)
        self.assertEqual(r["ETag"], self.call("get", f"/api/v1/summaries/{summary.pk}")["ETag"])
        # Visitors see it on the paper's page at once.
        self.assertContains(self.client.get(self.paper.get_absolute_url()), "Alice on")

    def test_an_anonymous_or_private_summary_keeps_its_author_to_itself(self):
        r = self.post_summary(anonymous=True)
        self.assertIsNone(r.json()["author"])
        s = Summary.objects.get()
        self.assertTrue(s.is_anonymous)
        charlie_paper = make_paper("Private Matters")
        r = self.call(
            "post",
            "/api/v1/summaries",
            {"paper": str(charlie_paper.pk), "body_markdown": "Mine.", "visibility": "private"},
            self.bob_token,
        )
        private = r.json()
        self.assertEqual(private["visibility"], "private")
        # Its author reads it with a token; nobody else does, with or without one.
        path = f"/api/v1/summaries/{private['id']}"
        self.assertEqual(self.call("get", path, token=self.bob_token).status_code, 200)
        self.assertEqual(self.call("get", path).status_code, 404)
        self.assertEqual(self.call("get", path, token=self.alice_reader).status_code, 404)

    def test_a_second_summary_of_one_paper_is_a_409_naming_the_first(self):
        first = self.post_summary().json()
        r = self.post_summary(body="Another.")
        self.assertEqual(r.status_code, 409)
        self.assertIn(str(first["id"]), r.json()["detail"])
        self.assertEqual(Summary.objects.count(), 1)

    def test_bad_input_is_a_400_with_a_message_and_changes_nothing(self):
        cases = [
            {"paper": "1706.03762", "body_markdown": "   "},
            {"paper": "1706.03762", "body_markdown": "x" * 100_001},
            {"paper": "1706.03762", "body_markdown": "ok", "visibility": "secret"},
            {"paper": "1706.03762"},
        ]
        for body in cases:
            with self.subTest(body=str(body)[:60]):
                r = self.call("post", "/api/v1/summaries", body, self.alice_token)
                self.assertEqual(r.status_code, 400)
                self.assertTrue(r.json()["detail"])
        r = self.client.post(
            "/api/v1/summaries",
            "{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.alice_token}",
        )
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Summary.objects.exists())

    def test_text_no_database_can_keep_is_a_400_before_anything_is_spent(self):
        for raw in ('"a\\u0000b"', '"a\\ud800b"'):
            with self.subTest(raw=raw):
                body = '{"paper": "1706.03762", "body_markdown": ' + raw + "}"
                r = self.client.post(
                    "/api/v1/summaries",
                    body,
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {self.alice_token}",
                )
                self.assertEqual(r.status_code, 400)
                self.assertIn("body_markdown", r.json()["detail"])
        self.assertFalse(Summary.objects.exists())
        self.assertFalse(TokenBucket.objects.exists())

    def test_a_nul_in_an_address_is_a_400_everywhere(self):
        for url in (
            "/api/v1/papers/a%00b",
            "/api/v1/papers/lookup?ids=a%00b",
            "/api/v1/users/a%00b",
            "/search?q=a%00b",
            "/paper?bibtexKey=a%00b",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 400)

    def test_a_paper_the_library_lacks_is_a_404_that_says_how_to_add_it(self):
        r = self.call(
            "post",
            "/api/v1/summaries",
            {"paper": "2106.15928", "body_markdown": "Hi."},
            self.alice_token,
        )
        self.assertEqual(r.status_code, 404)
        self.assertIn("POST /papers", r.json()["detail"])

    def test_an_edit_needs_the_current_etag(self):
        created = self.post_summary()
        path = f"/api/v1/summaries/{created.json()['id']}"
        edit = {"body_markdown": "Edited: $x^2$."}
        self.assertEqual(self.call("put", path, edit, self.alice_token).status_code, 428)
        stale = '"1-1"'
        self.assertEqual(
            self.call("put", path, edit, self.alice_token, HTTP_IF_MATCH=stale).status_code, 412
        )
        r = self.call("put", path, edit, self.alice_token, HTTP_IF_MATCH=created["ETag"])
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["body_markdown"], "Edited: $x^2$.")
        self.assertNotEqual(r["ETag"], created["ETag"])
        # The ETag the first edit answered to is spent: a second writer holding it gets 412.
        again = self.call(
            "put", path, {"body_markdown": "Lost?"}, self.alice_token, HTTP_IF_MATCH=created["ETag"]
        )
        self.assertEqual(again.status_code, 412)
        self.assertEqual(Revision.objects.count(), 2)
        self.assertEqual(Summary.objects.get().body, "Edited: $x^2$.")

    def test_a_save_that_lands_between_the_check_and_the_write_is_not_lost(self):
        created = self.post_summary()
        path = f"/api/v1/summaries/{created.json()['id']}"

        def another_tab(*args):
            make_summary(self.paper, self.alice, "Written in another tab meanwhile.")

        with mock.patch("shortscience.api.writes.spend", side_effect=another_tab):
            r = self.call(
                "put",
                path,
                {"body_markdown": "Script."},
                self.alice_token,
                HTTP_IF_MATCH=created["ETag"],
            )
        self.assertEqual(r.status_code, 412)
        self.assertEqual(Summary.objects.get().body, "Written in another tab meanwhile.")
        # And a new summary posted while the editor saved one of the same paper: a 409.
        other = make_paper("Another Paper", identifiers={"arxiv": "1512.03385"})

        def the_editor(*args):
            make_summary(other, self.alice, "From the editor.")

        with mock.patch("shortscience.api.writes.spend", side_effect=the_editor):
            r = self.post_summary(body="From the script.", paper="1512.03385")
        self.assertEqual(r.status_code, 409)
        self.assertEqual(Summary.objects.get(paper=other).body, "From the editor.")

    def test_only_its_author_may_edit_a_summary(self):
        created = self.post_summary()
        r = self.call(
            "put",
            f"/api/v1/summaries/{created.json()['id']}",
            {"body_markdown": "Bob's words."},
            self.bob_token,
            HTTP_IF_MATCH=created["ETag"],
        )
        self.assertEqual(r.status_code, 403)
        self.assertEqual(Summary.objects.get().body, "Alice on **attention**: $QK^T$.")


class CommunityWriteTests(WriteTestCase):
    def setUp(self):
        super().setUp()
        self.summary = make_summary(self.paper, self.alice, "Alice's summary.")

    def test_a_comment_and_a_reply_are_posted_like_the_pages_do(self):
        path = f"/api/v1/summaries/{self.summary.pk}/comments"
        r = self.call("post", path, {"body_markdown": "Bob asks $y$?"}, self.bob_token)
        self.assertEqual(r.status_code, 201)
        first = r.json()
        self.assertEqual(first["author"]["username"], "bob")
        reply = self.call(
            "post",
            path,
            {"body_markdown": "Alice answers.", "parent": first["id"]},
            self.alice_token,
        ).json()
        self.assertEqual(reply["parent_id"], first["id"])
        self.assertEqual(Summary.objects.get().comment_count, 2)

    def test_the_author_of_an_anonymous_summary_stays_unnamed_in_its_comments(self):
        unsigned = make_summary(make_paper(), self.bob, "Bob, unsigned.", is_anonymous=True)
        r = self.call(
            "post",
            f"/api/v1/summaries/{unsigned.pk}/comments",
            {"body_markdown": "The author answers."},
            self.bob_token,
        )
        self.assertEqual(r.status_code, 201)
        self.assertIsNone(r.json()["author"])
        self.assertNotIn("bob", r.content.decode().lower())

    def test_a_comment_on_a_summary_one_cannot_see_is_a_404(self):
        private = make_summary(make_paper(), self.charlie, "Charlie's own.", visibility="private")
        r = self.call(
            "post",
            f"/api/v1/summaries/{private.pk}/comments",
            {"body_markdown": "Hi"},
            self.bob_token,
        )
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Comment.objects.exists())

    def test_a_reply_to_a_comment_on_another_summary_or_to_none_is_refused(self):
        other = make_summary(make_paper(), self.charlie, "Charlie's.")
        elsewhere = Comment.objects.create(
            summary=other, user=self.charlie, body="x", body_html="x", depth=0
        )
        path = f"/api/v1/summaries/{self.summary.pk}/comments"
        for parent, status in ((elsewhere.pk, 400), (10**9, 404), ("abc", 400)):
            with self.subTest(parent=parent):
                r = self.call(
                    "post", path, {"body_markdown": "Hi", "parent": parent}, self.bob_token
                )
                self.assertEqual(r.status_code, status)
        self.assertEqual(Comment.objects.count(), 1)

    def test_a_vote_counts_once_and_can_be_withdrawn_but_not_on_ones_own_work(self):
        path = f"/api/v1/summaries/{self.summary.pk}/vote"
        for _ in range(2):
            r = self.call("put", path, {"value": 1}, self.bob_token)
        self.assertEqual(r.json(), {"value": 1, "upvotes": 1, "downvotes": 0})
        self.assertEqual(self.call("put", path, {"value": 0}, self.bob_token).json()["upvotes"], 0)
        self.assertEqual(self.call("put", path, {"value": 1}, self.alice_token).status_code, 403)
        self.assertEqual(self.call("put", path, {"value": 5}, self.bob_token).status_code, 400)
        self.assertFalse(Vote.objects.exists())

    def test_a_vote_on_a_comment(self):
        comment = self.call(
            "post",
            f"/api/v1/summaries/{self.summary.pk}/comments",
            {"body_markdown": "Bob's."},
            self.bob_token,
        ).json()
        r = self.call(
            "put", f"/api/v1/comments/{comment['id']}/vote", {"value": -1}, self.alice_token
        )
        self.assertEqual(r.json(), {"value": -1, "upvotes": 0, "downvotes": 1})


class RateLimitTests(WriteTestCase):
    def test_writes_say_what_is_left_and_a_spent_bucket_is_a_429_with_retry_after(self):
        summary = make_summary(self.paper, self.alice, "Alice's summary.")
        path = f"/api/v1/summaries/{summary.pk}/vote"
        r = self.call("put", path, {"value": 1}, self.bob_token)
        self.assertEqual(r["X-RateLimit-Limit"], "60")  # bob is new: half of 120 an hour
        self.assertEqual(r["X-RateLimit-Remaining"], "59")
        self.assertGreater(int(r["X-RateLimit-Reset"]), 0)
        # The pages and the API spend from one bucket.
        spent = TokenBucket.objects.filter(key=f"vote:user:{self.bob.pk}").update(tokens=0)
        self.assertEqual(spent, 1)
        r = self.call("put", path, {"value": -1}, self.bob_token)
        self.assertEqual(r.status_code, 429)
        self.assertGreaterEqual(int(r["Retry-After"]), 1)
        self.assertEqual(r["X-RateLimit-Remaining"], "0")
        self.assertIn("Too many", r.json()["detail"])
        self.assertEqual(Vote.objects.get().value, 1)


class AddPaperTests(WriteTestCase):
    def test_a_paper_the_library_has_answers_200_and_one_it_lacks_is_fetched_201(self):
        r = self.call(
            "post", "/api/v1/papers", {"identifier": "arXiv:1706.03762"}, self.alice_token
        )
        self.assertEqual((r.status_code, r.json()["id"]), (200, self.paper.pk))
        body = (
            DATA / "arxiv" / "current_2026" / "id_1707.08567_s0_m100_6a1afebfc6a3.xml"
        ).read_bytes()
        with RecordedServer({"/api/query": (200, body, ATOM)}) as server:
            with self.settings(ARXIV_API_URL=server.url + "/api/query"):
                r = self.call(
                    "post",
                    "/api/v1/papers",
                    {"identifier": "https://arxiv.org/abs/1707.08567"},
                    self.alice_token,
                )
        self.assertEqual(r.status_code, 201)
        self.assertEqual(r.json()["identifiers"]["arxiv"], "1707.08567")
        self.assertEqual(Paper.objects.count(), 2)
        # As the add-paper page: a look-up and an addition, for a new paper only.
        self.assertEqual(
            sorted(TokenBucket.objects.values_list("key", flat=True)),
            [f"fetch:user:{self.alice.pk}", f"import:user:{self.alice.pk}"],
        )
        self.assertEqual(
            r["X-RateLimit-Limit"], "30"
        )  # the headers tell of the addition: 30 an hour

    def test_unreadable_text_is_a_400_and_an_unreachable_source_a_503(self):
        r = self.call("post", "/api/v1/papers", {"identifier": "not an id"}, self.alice_token)
        self.assertEqual(r.status_code, 400)
        with self.settings(ARXIV_API_URL="http://127.0.0.1:9/api/query"):
            r = self.call("post", "/api/v1/papers", {"identifier": "2106.15928"}, self.alice_token)
        self.assertEqual(r.status_code, 503)
        self.assertEqual(Paper.objects.count(), 1)
        self.assertEqual(mail.outbox, [])
