"""/api/v1/: papers by any identifier, one at a time and 500 at once, summaries, members,
search; JSON errors on every status; only what a logged-out visitor may see."""

from __future__ import annotations

import json
from unittest import mock

from django.test import Client

from shortscience.api import records, views
from shortscience.moderation import services as moderation
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user


class ApiTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.attention = make_paper(
            "Attention Is All You Need",
            authors=["Ashish Vaswani", "Noam Shazeer"],
            identifiers={"arxiv": "1706.03762v5", "doi": "10.5555/3295222.3295349"},
        )
        self.resnet = make_paper("Deep Residual Learning", identifiers={"arxiv": "1512.03385"})
        self.public = make_summary(self.attention, self.alice, "Alice on **attention**, $QK^T$.")
        self.anonymous = make_summary(self.attention, self.bob, "Bob, unsigned.", is_anonymous=True)
        self.private = make_summary(
            self.attention, self.charlie, "Charlie's notes.", visibility="private"
        )

    def make_moderator(self):
        from django.contrib.auth.models import Group

        from shortscience.accounts.permissions import MODERATORS_GROUP

        group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        self.charlie.groups.add(group)
        return self.charlie

    def batch(self, ids, fields=None):
        body = {"ids": ids} if fields is None else {"ids": ids, "fields": fields}
        return self.client.post(
            "/api/v1/papers/batch", json.dumps(body), content_type="application/json"
        )


class BatchLookupTests(ApiTestCase):
    def test_a_batch_answers_in_the_order_asked_with_null_for_unknown_ids(self):
        ids = [
            "arXiv:1512.03385v2",
            "2106.15928",
            "https://arxiv.org/abs/1706.03762",
            "10.5555/3295222.3295349",
            str(self.resnet.pk),
        ]
        response = self.batch(ids)
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual([row["id"] for row in answer], ids)
        self.assertEqual(
            [row["paper"] and row["paper"]["id"] for row in answer],
            [self.resnet.pk, None, self.attention.pk, self.attention.pk, self.resnet.pk],
        )
        paper = answer[2]["paper"]
        self.assertEqual(paper["title"], "Attention Is All You Need")
        self.assertEqual(paper["authors"], ["Ashish Vaswani", "Noam Shazeer"])
        self.assertEqual(paper["identifiers"]["arxiv"], "1706.03762")
        self.assertEqual(paper["identifiers"]["doi"], "10.5555/3295222.3295349")
        self.assertEqual(paper["summary_count"], 2)  # the private one is not counted
        self.assertTrue(paper["url"].startswith("http"))
        self.assertTrue(paper["url"].endswith(self.attention.get_absolute_url()))

    def test_a_batch_returns_only_the_fields_asked_for(self):
        (row,) = self.batch(["1706.03762"], fields=["title", "summary_count"]).json()
        self.assertEqual(
            row["paper"],
            {"id": self.attention.pk, "title": "Attention Is All You Need", "summary_count": 2},
        )

    def test_five_hundred_ids_cost_a_constant_number_of_queries(self):
        known = ["1706.03762", "1512.03385"]
        with self.assertNumQueries(3):  # the identifiers, the papers, their details
            self.batch(known * 250)
        ids = [f"2101.{n:05d}" for n in range(498)] + known
        # and one more for keys no specific reading finds: are they old ShortScience keys?
        with self.assertNumQueries(4):
            answer = self.batch(ids).json()
        self.assertEqual(len(answer), 500)
        self.assertEqual(answer[-1]["paper"]["id"], self.resnet.pk)

    def test_more_than_five_hundred_ids_or_a_malformed_body_is_a_400_with_a_message(self):
        for body in (
            json.dumps({"ids": ["1706.03762"] * 501}),
            json.dumps({"ids": "1706.03762"}),
            json.dumps({"ids": ["1706.03762"], "fields": ["password"]}),
            "{not json",
        ):
            with self.subTest(body=body[:30]):
                response = self.client.post(
                    "/api/v1/papers/batch", body, content_type="application/json"
                )
                self.assertEqual(response.status_code, 400)
                self.assertIsInstance(response.json()["detail"], str)

    def test_a_cursor_of_any_size_answers_a_page(self):
        for cursor in ("-5", "99999999999999999999999"):
            with self.subTest(cursor=cursor):
                response = self.client.get(
                    f"/api/v1/papers/{self.attention.pk}/summaries", {"cursor": cursor}
                )
                self.assertEqual(response.status_code, 200)
        response = self.client.get(f"/api/v1/papers/{self.attention.pk}/summaries", {"cursor": "x"})
        self.assertEqual(
            (response.status_code, response.json()["detail"]),
            (400, "cursor: Input should be a valid integer, unable to parse string as an integer"),
        )

    def test_the_lookup_takes_the_same_ids_in_a_query_string(self):
        response = self.client.get(
            "/api/v1/papers/lookup", {"ids": "1512.03385,nope", "fields": "title"}
        )
        self.assertEqual(
            response.json(),
            [
                {
                    "id": "1512.03385",
                    "paper": {"id": self.resnet.pk, "title": "Deep Residual Learning"},
                },
                {"id": "nope", "paper": None},
            ],
        )
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(
            self.client.get("/api/v1/papers/lookup", {"ids": "x", "fields": "bogus"}).status_code,
            400,
        )


class ReadingTests(ApiTestCase):
    def test_a_paper_by_any_identifier_including_a_doi_with_slashes(self):
        for key in ("10.5555/3295222.3295349", "arXiv:1706.03762", str(self.attention.pk)):
            with self.subTest(key=key):
                response = self.client.get(f"/api/v1/papers/{key}")
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json()["id"], self.attention.pk)

    def test_a_papers_summaries_are_its_public_ones_and_an_anonymous_one_has_no_author(self):
        response = self.client.get("/api/v1/papers/10.5555/3295222.3295349/summaries")
        data = response.json()["data"]
        self.assertEqual([s["id"] for s in data], [self.public.pk, self.anonymous.pk])
        self.assertEqual(data[0]["author"], {"username": "alice", "display_name": "Alice Aumann"})
        self.assertIsNone(data[1]["author"])
        self.assertNotIn("bob", json.dumps(data[1]))
        self.assertIsNone(response.json()["next_cursor"])

    def test_a_summary_has_its_markdown_its_html_and_its_licence(self):
        body = self.client.get(f"/api/v1/summaries/{self.public.pk}").json()
        self.assertEqual(body["body_markdown"], "Alice on **attention**, $QK^T$.")
        self.assertIn("<strong>attention</strong>", body["body_html"])
        self.assertEqual(body["license"], "CC-BY-4.0")
        self.assertTrue(body["permalink"].endswith(self.public.get_absolute_url()))

    def test_private_and_hidden_summaries_are_not_found(self):
        moderation.hide(moderator=self.make_moderator(), target=self.public, reason="Spam.")
        for summary in (self.private, self.public):
            response = self.client.get(f"/api/v1/summaries/{summary.pk}")
            self.assertEqual(response.status_code, 404)
            self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        data = self.client.get(f"/api/v1/papers/{self.attention.pk}/summaries").json()["data"]
        self.assertEqual([s["id"] for s in data], [self.anonymous.pk])

    def test_a_member_counts_only_their_public_signed_summaries(self):
        body = self.client.get("/api/v1/users/bob").json()
        self.assertEqual((body["username"], body["summary_count"]), ("bob", 0))
        self.assertEqual(self.client.get("/api/v1/users/alice").json()["summary_count"], 1)
        self.assertEqual(self.client.get("/api/v1/users/nobody").status_code, 404)

    def test_search_finds_papers_by_words_and_by_identifier(self):
        self.assertEqual(
            [p["id"] for p in self.client.get("/api/v1/search", {"q": "residual"}).json()["data"]],
            [self.resnet.pk],
        )
        self.assertEqual(
            [
                p["id"]
                for p in self.client.get("/api/v1/search", {"q": "arXiv:1706.03762"}).json()["data"]
            ],
            [self.attention.pk],
        )


class InterfaceTests(ApiTestCase):
    def test_the_openapi_document_is_3_1_and_names_every_endpoint(self):
        from openapi_spec_validator import OpenAPIV31SpecValidator

        document = self.client.get("/api/v1/openapi.json").json()
        self.assertTrue(document["openapi"].startswith("3.1"))
        OpenAPIV31SpecValidator(document).validate()  # raises on any violation
        for path in (
            "/api/v1/papers",
            "/api/v1/papers/batch",
            "/api/v1/papers/lookup",
            "/api/v1/summaries",
            "/api/v1/summaries/{summary_id}",
            "/api/v1/summaries/{summary_id}/comments",
            "/api/v1/summaries/{summary_id}/vote",
            "/api/v1/comments/{comment_id}/vote",
            "/api/v1/search",
        ):
            self.assertIn(path, document["paths"])
        self.assertEqual(
            document["components"]["securitySchemes"]["TokenAuth"],
            {"type": "http", "scheme": "bearer"},
        )

    def test_the_docs_page_loads_its_scripts_from_this_site(self):
        page = self.client.get("/api/v1/docs").content.decode()
        self.assertIn("/static/", page)
        self.assertNotIn("cdn", page.lower())
        # Ours, not the library's: a language, a landmark, and a way on without JavaScript.
        self.assertIn('<html lang="en">', page)
        self.assertIn("<noscript>", page)
        self.assertIn('href="/api/v1/openapi.json"', page)

    def test_every_error_is_json_with_a_message(self):
        for method, url in (
            ("get", "/api/v1/nothing-here"),
            ("get", "/api/elsewhere"),
            ("delete", f"/api/v1/summaries/{self.public.pk}"),
        ):
            with self.subTest(url=url, method=method):
                response = getattr(self.client, method)(url)
                self.assertGreaterEqual(response.status_code, 400)
                self.assertTrue(response.json()["detail"])

    def test_a_crash_is_a_json_500_too(self):
        client = Client(raise_request_exception=False)
        with mock.patch.object(records, "paper_by_key", side_effect=RuntimeError("boom")):
            response = client.get("/api/v1/papers/1706.03762")
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json(), {"detail": "Internal Server Error."})

    def test_the_original_sites_search_url_redirects_for_good(self):
        response = self.client.get("/internalsearch", {"q": "deep residual"})
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/search?q=deep+residual")


class MirrorFeedTests(ApiTestCase):
    def feed(self, **params):
        return self.client.get("/api/v1/summaries", params).json()

    def test_the_feed_lists_each_public_summary_once_at_its_latest_change_oldest_first(self):
        make_summary(self.attention, self.alice, "Alice, edited.")
        answer = self.feed()
        self.assertEqual([e["id"] for e in answer["data"]], [self.anonymous.pk, self.public.pk])
        self.assertEqual(answer["data"][1]["summary"]["body_markdown"], "Alice, edited.")
        self.assertIsNone(answer["data"][0]["summary"]["author"])
        self.assertFalse(answer["has_more"])
        # Read on from where the last page stopped: nothing new yet, the cursor stays.
        later = self.feed(cursor=answer["next_cursor"])
        self.assertEqual((later["data"], later["next_cursor"]), ([], answer["next_cursor"]))
        make_summary(self.resnet, self.charlie, "Charlie on ResNet.")
        later = self.feed(cursor=answer["next_cursor"])
        self.assertEqual(
            [e["summary"]["body_markdown"] for e in later["data"]], ["Charlie on ResNet."]
        )

    def test_hidden_deleted_and_privated_summaries_come_as_tombstones(self):
        cursor = self.feed()["next_cursor"]
        moderator = self.make_moderator()
        moderation.hide(moderator=moderator, target=self.public, reason="Spam, says a report.")
        make_summary(
            self.attention, self.bob, "Bob, unsigned.", is_anonymous=True, visibility="private"
        )
        answer = self.feed(cursor=cursor)
        self.assertEqual(
            [(e["id"], e["deleted"], e["summary"]) for e in answer["data"]],
            [(self.public.pk, True, None), (self.anonymous.pk, True, None)],
        )
        # Deleting what is hidden already changes nothing a visitor sees: its tombstone
        # stands. Deleting a shown one makes a new one.
        moderation.delete(moderator=moderator, target=self.public, reason="Spam, for good.")
        shown = make_summary(self.resnet, self.alice, "Alice on ResNet.")
        moderation.delete(moderator=moderator, target=shown, reason="Off topic.")
        self.assertEqual(
            [(e["id"], e["deleted"]) for e in self.feed(cursor=cursor)["data"]],
            [(self.public.pk, True), (self.anonymous.pk, True), (shown.pk, True)],
        )

    def test_a_summary_private_from_its_start_never_shows_in_the_feed(self):
        make_summary(self.resnet, self.charlie, "Charlie's second, private.", visibility="private")
        ids = [e["id"] for e in self.feed()["data"]]
        self.assertNotIn(self.private.pk, ids)
        self.assertEqual(len(ids), 2)

    def test_updated_since_starts_the_feed_at_a_time_and_pages_by_cursor(self):
        with mock.patch.object(views, "FEED_PAGE", 1):
            first = self.feed(updated_since="2000-01-01T00:00:00Z")
            self.assertTrue(first["has_more"])
            second = self.feed(cursor=first["next_cursor"])
        self.assertEqual(len(first["data"]) + len(second["data"]), 2)
        future = self.feed(updated_since="2999-01-01T00:00:00Z")
        self.assertEqual(future["data"], [])
        # Read on from the last change, not from the start of the log.
        self.assertEqual(future["next_cursor"], second["next_cursor"])
        for bad in ("yesterday", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
            with self.subTest(updated_since=bad):
                r = self.client.get("/api/v1/summaries", {"updated_since": bad})
                self.assertEqual(r.status_code, 400)

    def test_a_change_shows_only_once_it_has_settled(self):
        with self.settings(API_FEED_SETTLE_SECONDS=60):
            self.assertEqual(self.feed()["data"], [])

    def test_a_merge_and_a_closed_account_show_as_changes(self):
        from shortscience.library.services import merge_papers
        from shortscience.members.services import delete_account

        dora = make_user("dora")
        resnet_summary = make_summary(self.resnet, dora, "Dora on ResNet.")
        alices_unsigned = make_summary(
            make_paper(), self.alice, "Alice, unsigned.", is_anonymous=True
        )
        cursor = self.feed()["next_cursor"]
        merge_papers(self.attention, self.resnet, reason="One paper, two records.")
        (moved,) = self.feed(cursor=cursor)["data"]
        self.assertEqual(moved["summary"]["paper"]["id"], self.attention.pk)
        self.assertEqual(moved["id"], resnet_summary.pk)
        cursor = self.feed()["next_cursor"]
        delete_account(user=self.alice, keep_content=True)
        # Her signed summary loses her name; her unsigned one does not change, and is not
        # listed with it (a change at the same instant would sign it).
        (kept,) = self.feed(cursor=cursor)["data"]
        self.assertEqual((kept["id"], kept["summary"]["author"]), (self.public.pk, None))
        self.assertNotEqual(kept["id"], alices_unsigned.pk)
        cursor = self.feed()["next_cursor"]
        delete_account(user=dora, keep_content=False)
        self.assertEqual(
            [(e["id"], e["deleted"]) for e in self.feed(cursor=cursor)["data"]],
            [(resnet_summary.pk, True)],
        )

    def test_deletions_in_the_admin_come_as_tombstones(self):
        root = make_user("root", is_staff=True, is_superuser=True)
        admin = Client()
        admin.force_login(root)
        cursor = self.feed()["next_cursor"]
        r = admin.post(f"/admin/summaries/summary/{self.public.pk}/delete/", {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        r = admin.post(f"/admin/papers/paper/{self.attention.pk}/delete/", {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(
            [(e["id"], e["deleted"]) for e in self.feed(cursor=cursor)["data"]],
            [(self.public.pk, True), (self.anonymous.pk, True)],
        )
