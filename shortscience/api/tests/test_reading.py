"""Reading lists, reading groups and summary requests through the API: what each token (or
none) may read, and writes with a write token through the pages' services."""

from __future__ import annotations

import gzip
import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from shortscience.api import dumps
from shortscience.api.tests.test_writes import WriteTestCase
from shortscience.groups import services as groups
from shortscience.library.services import merge_papers
from shortscience.lists import services as lists
from shortscience.notifications.models import SummaryRequest
from shortscience.test import make_paper


class ReadingApiTests(WriteTestCase):
    def setUp(self):
        super().setUp()
        self.other = make_paper("Layer Normalization", identifiers={"arxiv": "1607.06450"})
        self.public = lists.create_list(self.alice, title="Attention papers", visibility="public")
        lists.add_paper(self.public, self.paper, note="Section 3 first.")
        self.private = lists.create_list(self.alice, title="My secret list")
        lists.add_paper(self.private, self.other)
        self.club = groups.create_group(self.alice, name="Open club")
        self.secret = groups.create_group(self.alice, name="Secret club", visibility="members")
        for group in (self.club, self.secret):
            groups.schedule_meeting(
                group,
                self.alice,
                paper=self.paper,
                starts_at=timezone.now() + timedelta(days=3),
                minutes=60,
                time_zone="Asia/Tokyo",
                presenter=self.alice,
                location="Room 1",
                notes="",
            )

    def test_a_list_reads_with_its_papers_in_order_and_a_private_one_only_with_its_owners_token(
        self,
    ):
        found = self.call("get", f"/api/v1/lists/{self.public.key}").json()
        self.assertEqual(found["owner"], {"username": "alice", "display_name": "Alice Aumann"})
        (item,) = found["items"]
        self.assertEqual(item["paper"]["identifiers"]["arxiv"], "1706.03762")
        self.assertEqual(item["note"], "Section 3 first.")
        url = f"/api/v1/lists/{self.private.key}"
        self.assertEqual(self.call("get", url).status_code, 404)
        self.assertEqual(self.call("get", url, token=self.bob_token).status_code, 404)
        self.assertEqual(self.call("get", url, token=self.alice_reader).status_code, 200)
        directory = self.call("get", "/api/v1/lists").json()["data"]
        self.assertEqual([rl["title"] for rl in directory], ["Attention papers"])
        # A cursor past any id the database can hold pages from the newest, as 0 does.
        past = self.call("get", f"/api/v1/lists?cursor={10**20}").json()["data"]
        self.assertEqual(past, directory)

    def test_a_write_token_makes_a_list_and_adds_papers_by_any_identifier(self):
        made = self.call(
            "post", "/api/v1/lists", {"title": "From my script"}, token=self.alice_token
        )
        self.assertEqual(made.status_code, 201)
        key = made.json()["id"]
        added = self.call(
            "post",
            f"/api/v1/lists/{key}/papers",
            {"ids": ["arXiv:1607.06450v1", "https://arxiv.org/abs/1706.03762", "2999.00001"]},
            token=self.alice_token,
        )
        self.assertEqual(added.json(), {"done": 2, "unknown": ["2999.00001"]})
        self.assertIn("X-RateLimit-Remaining", added)
        items = self.call("get", f"/api/v1/lists/{key}", token=self.alice_token).json()["items"]
        self.assertEqual(items[0]["paper"]["title"], "Layer Normalization")

    def test_only_the_owner_adds_to_a_list_and_a_read_token_cannot(self):
        body = {"ids": ["1607.06450"]}
        url = f"/api/v1/lists/{self.public.key}/papers"
        self.assertEqual(self.call("post", url, body, token=self.bob_token).status_code, 403)
        self.assertEqual(self.call("post", url, body, token=self.alice_reader).status_code, 403)
        self.assertEqual(self.call("post", url, body).status_code, 401)
        bad = self.call("post", url, {"ids": "1607.06450"}, token=self.alice_token)
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.public.items.count(), 1)

    def test_requests_for_many_papers_land_on_wanted(self):
        done = self.call(
            "post",
            "/api/v1/papers/requests",
            {"ids": ["1607.06450", "1706.03762", "nothing-known"]},
            token=self.bob_token,
        ).json()
        self.assertEqual(done, {"done": 2, "unknown": ["nothing-known"]})
        self.assertEqual(SummaryRequest.objects.open().filter(user=self.bob).count(), 2)

    def test_a_request_by_a_paper_merged_twice_lands_on_the_end_of_the_chain(self):
        # A paper merged away, then the one it became merged too: the chain's end is asked for.
        first, middle, last = (make_paper(f"Chain {n}") for n in range(3))
        merge_papers(kept=middle, merged=first, by=self.alice, reason="duplicate")
        merge_papers(kept=last, merged=middle, by=self.alice, reason="duplicate")
        done = self.call(
            "post", "/api/v1/papers/requests", {"ids": [str(first.pk)]}, token=self.bob_token
        ).json()
        self.assertEqual(done["done"], 1)
        self.assertTrue(SummaryRequest.objects.filter(user=self.bob, paper=last).exists())

    def test_a_members_only_group_answers_its_members_tokens_alone(self):
        url = f"/api/v1/groups/{self.secret.slug}"
        self.assertEqual(self.call("get", url).status_code, 404)
        self.assertEqual(self.call("get", url, token=self.bob_token).status_code, 404)
        found = self.call("get", url, token=self.alice_reader).json()
        (meeting,) = found["upcoming"]
        self.assertEqual(meeting["time_zone"], "Asia/Tokyo")
        self.assertEqual(meeting["presenter"]["username"], "alice")
        self.assertEqual(meeting["paper"]["title"], "Attention Is All You Need")
        public = self.call("get", f"/api/v1/groups/{self.club.slug}").json()
        self.assertEqual(public["members"], [{"username": "alice", "display_name": "Alice Aumann"}])
        directory = self.call("get", "/api/v1/groups").json()["data"]
        self.assertEqual([g["name"] for g in directory], ["Open club"])

    def test_the_dumps_hold_public_lists_and_groups_only(self):
        with tempfile.TemporaryDirectory() as tmp:
            release = dumps.export(Path(tmp), out=io.StringIO())
            read = {}
            for path in release.glob("*.jsonl.gz"):
                kind = path.name.split("-")[0]
                with gzip.open(path) as lines:
                    read[kind] = [json.loads(line) for line in lines]
        self.assertEqual([rl["title"] for rl in read["lists"]], ["Attention papers"])
        self.assertEqual(read["lists"][0]["items"][0]["paper"]["id"], self.paper.pk)
        self.assertEqual([g["name"] for g in read["groups"]], ["Open club"])
        self.assertEqual(len(read["groups"][0]["upcoming"]), 1)
