"""The open data dumps: `manage.py export_dump DIR` writes a release whose manifest verifies
against its files and which holds only what a logged-out visitor may read; the site links
the latest release (/api/v1/dumps/latest, /data) and serves its files."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.api import dumps
from shortscience.community.models import Comment
from shortscience.members.services import delete_account
from shortscience.test import (
    BaseTestCase,
    make_comment,
    make_paper,
    make_summary,
    make_user,
    update_summary,
)


class DumpTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.attention = make_paper("Attention Is All You Need")
        self.resnet = make_paper("Deep Residual Learning")
        self.gans = make_paper("Generative Adversarial Nets")
        self.public = make_summary(self.attention, self.alice, "Alice, signed: wombat-public.")
        # bob wrote this one unsigned, and has no signed summary.
        self.anonymous = make_summary(
            self.attention, self.bob, "Unsigned: numbat-anonymous.", is_anonymous=True
        )
        self.private = make_summary(
            self.resnet, self.charlie, "Charlie's own: zebra-private.", visibility="private"
        )
        self.hidden = make_summary(self.resnet, self.alice, "Removed: quagga-hidden.")
        update_summary(self.hidden, is_hidden=True)
        self.comment = make_comment(self.public, self.charlie, "Charlie asks: ibex-comment.")
        self.reply = make_comment(self.public, self.alice, "Alice answers.", parent=self.comment)
        make_comment(self.public, self.charlie, "Gone: tapir-deleted.", is_deleted=True)
        make_comment(self.public, self.charlie, "Removed: okapi-hidden.", is_hidden=True)
        make_comment(self.private, self.charlie, "On a private one: lemur-private.")
        make_comment(self.hidden, self.alice, "On a hidden one: dingo-hidden.")
        # bob, under his own anonymous summary: his name there would sign it.
        self.own = make_comment(self.anonymous, self.bob, "The author replies: koala-own.")
        make_user("dora", is_active=False, display_name="Dora Closed")
        self.directory = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.directory, True)

    def export(self, seconds_later: int = 0, **options) -> Path:
        """A release, made `seconds_later` than now: one second holds one release."""
        now = timezone.now() + timedelta(seconds=seconds_later)
        return dumps.export(self.directory, out=io.StringIO(), now=now, **options)

    @staticmethod
    def manifest(release: Path) -> dict:
        return json.loads((release / dumps.MANIFEST).read_text())

    @staticmethod
    def lines(release: Path, kind: str) -> list[dict]:
        return [
            json.loads(line)
            for path in sorted(release.glob(f"{kind}-*.jsonl.gz"))
            for line in gzip.decompress(path.read_bytes()).splitlines()
        ]

    @staticmethod
    def text(release: Path, kind: str = "*") -> str:
        return "".join(
            gzip.decompress(p.read_bytes()).decode() for p in release.glob(f"{kind}-*.jsonl.gz")
        )


class ExportTests(DumpTestCase):
    def test_the_command_writes_a_release_with_every_kind_and_a_manifest(self):
        stdout = io.StringIO()
        call_command("export_dump", str(self.directory), stdout=stdout, stderr=io.StringIO())
        (release,) = self.directory.iterdir()
        self.assertRegex(release.name, dumps.RELEASE_ID)
        self.assertEqual(
            sorted(p.name for p in release.iterdir()),
            [
                "comments-00001.jsonl.gz",
                "groups-00001.jsonl.gz",
                "lists-00001.jsonl.gz",
                "manifest.json",
                "papers-00001.jsonl.gz",
                "summaries-00001.jsonl.gz",
                "users-00001.jsonl.gz",
            ],
        )
        manifest = self.manifest(release)
        self.assertEqual(manifest["release"], release.name)
        self.assertEqual(manifest["schema_version"], 1)
        self.assertEqual(manifest["site"], "http://127.0.0.1:8000")
        self.assertEqual(
            manifest["records"],
            {"papers": 3, "summaries": 2, "comments": 3, "users": 3, "lists": 0, "groups": 0},
        )
        self.assertEqual(manifest["license"]["summaries"]["license"], "CC-BY-4.0")
        self.assertIn("author.username", manifest["license"]["comments"]["attribution"])
        self.assertIsNone(manifest["license"]["papers"]["license"])
        self.assertIn("3 papers, 2 summaries, 3 comments, 3 users", stdout.getvalue())

    def test_every_checksum_count_and_size_in_the_manifest_verifies(self):
        release = self.export(shard_size=2)
        for f in self.manifest(release)["files"]:
            with self.subTest(file=f["name"]):
                data = (release / f["name"]).read_bytes()
                self.assertEqual(hashlib.sha256(data).hexdigest(), f["sha256"])
                self.assertEqual(len(data), f["bytes"])
                self.assertEqual(len(gzip.decompress(data).splitlines()), f["records"])

    def test_files_are_split_at_the_shard_size(self):
        release = self.export(shard_size=2)
        files = {f["name"]: f["records"] for f in self.manifest(release)["files"]}
        self.assertEqual(
            files,
            {
                "papers-00001.jsonl.gz": 2,
                "papers-00002.jsonl.gz": 1,
                # No public list or group here: an empty file says so.
                "lists-00001.jsonl.gz": 0,
                "groups-00001.jsonl.gz": 0,
                "summaries-00001.jsonl.gz": 2,
                "comments-00001.jsonl.gz": 2,
                "comments-00002.jsonl.gz": 1,
                "users-00001.jsonl.gz": 2,
                "users-00002.jsonl.gz": 1,
            },
        )
        self.assertEqual(
            [p["id"] for p in self.lines(release, "papers")],
            [self.attention.pk, self.resnet.pk, self.gans.pk],
        )

    def test_a_kind_with_no_records_still_has_its_file(self):
        Comment.objects.all().delete()
        release = self.export()
        self.assertEqual(self.lines(release, "comments"), [])
        self.assertIn(
            "comments-00001.jsonl.gz", [f["name"] for f in self.manifest(release)["files"]]
        )

    def test_an_interrupted_export_leaves_nothing_and_can_be_run_again(self):
        with mock.patch.object(dumps, "member", side_effect=KeyboardInterrupt):
            with self.assertRaises(KeyboardInterrupt):
                self.export()
        self.assertEqual(list(self.directory.iterdir()), [])
        self.assertIsNone(dumps.latest(self.directory))
        release = self.export()
        self.assertEqual(dumps.latest(self.directory)["release"], release.name)

    def test_reading_in_small_batches_gives_the_same_records(self):
        # Batches of one: every record is at a batch boundary of the key ranges.
        whole, piecewise = self.export(), self.export(seconds_later=1, batch=1)
        for kind in dumps.KINDS:
            with self.subTest(kind=kind):
                self.assertEqual(self.lines(piecewise, kind), self.lines(whole, kind))


class PrivacyTests(DumpTestCase):
    def test_private_hidden_and_deleted_content_appears_nowhere(self):
        text = self.text(self.export())
        for marker in (
            "zebra-private",
            "quagga-hidden",
            "tapir-deleted",
            "okapi-hidden",
            "lemur-private",
            "dingo-hidden",
        ):
            with self.subTest(marker=marker):
                self.assertNotIn(marker, text)
        for marker in ("wombat-public", "numbat-anonymous", "ibex-comment", "koala-own"):
            self.assertIn(marker, text)

    def test_an_anonymous_summary_has_no_author_and_its_author_is_nowhere_near_it(self):
        release = self.export()
        summaries = {s["id"]: s for s in self.lines(release, "summaries")}
        self.assertIsNone(summaries[self.anonymous.pk]["author"])
        self.assertEqual(summaries[self.public.pk]["author"]["username"], "alice")
        for kind in ("papers", "summaries", "comments"):
            with self.subTest(kind=kind):
                self.assertNotIn("bob", self.text(release, kind).lower())
                self.assertNotIn("Berners", self.text(release, kind))
        comments = {c["id"]: c for c in self.lines(release, "comments")}
        self.assertIsNone(comments[self.own.pk]["author"])
        self.assertEqual(comments[self.reply.pk]["parent_id"], self.comment.pk)
        self.assertEqual(
            comments[self.comment.pk]["author"], {"username": "charlie", "display_name": "charlie"}
        )

    def test_a_closed_accounts_comments_stay_unsigned(self):
        delete_account(user=self.charlie, keep_content=True)
        release = self.export()
        comments = {c["id"]: c for c in self.lines(release, "comments")}
        self.assertIn("ibex-comment", comments[self.comment.pk]["body_markdown"])
        self.assertIsNone(comments[self.comment.pk]["author"])
        self.assertNotIn("deleted-", self.text(release))

    def test_users_are_active_members_public_profiles(self):
        release = self.export()
        users = self.lines(release, "users")
        self.assertEqual([u["username"] for u in users], ["alice", "bob", "charlie"])
        for u in users:
            self.assertEqual(
                set(u), {"username", "display_name", "url", "bio", "orcid", "reputation", "joined"}
            )
        self.assertNotIn("@example.org", self.text(release, "users"))
        self.assertNotIn("Dora", self.text(release))


class SameAsTheApiTests(DumpTestCase):
    def test_a_summary_and_a_paper_in_the_dump_are_what_the_api_answers(self):
        release = self.export()
        for s in self.lines(release, "summaries"):
            with self.subTest(summary=s["id"]):
                self.assertEqual(s, self.client.get(f"/api/v1/summaries/{s['id']}").json())
        for p in self.lines(release, "papers"):
            with self.subTest(paper=p["id"]):
                self.assertEqual(p, self.client.get(f"/api/v1/papers/{p['id']}").json())


class LatestReleaseTests(DumpTestCase):
    def test_no_release_configured_is_a_json_404(self):
        for where in ("", str(self.directory)):
            with self.subTest(dumps_dir=where), override_settings(DUMPS_DIR=where):
                response = self.client.get("/api/v1/dumps/latest")
                self.assertEqual(response.status_code, 404)
                self.assertIn("detail", response.json())

    def test_the_latest_release_is_its_manifest_with_download_urls(self):
        older = self.export()
        newer = self.export(seconds_later=5)
        with override_settings(DUMPS_DIR=str(self.directory)):
            response = self.client.get("/api/v1/dumps/latest")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        body = response.json()
        manifest = self.manifest(newer)
        self.assertNotEqual(older.name, newer.name)
        self.assertEqual(body["release"], newer.name)
        self.assertEqual(body["records"], manifest["records"])
        self.assertEqual(
            [(f["name"], f["sha256"]) for f in body["files"]],
            [(f["name"], f["sha256"]) for f in manifest["files"]],
        )
        self.assertEqual(
            body["files"][0]["url"],
            f"http://127.0.0.1:8000/dumps/{newer.name}/papers-00001.jsonl.gz",
        )
        self.assertEqual(
            body["manifest_url"], f"http://127.0.0.1:8000/dumps/{newer.name}/manifest.json"
        )

    def test_links_point_to_dumps_url_when_releases_are_published_elsewhere(self):
        release = self.export()
        with override_settings(DUMPS_DIR=str(self.directory), DUMPS_URL="https://data.example"):
            body = self.client.get("/api/v1/dumps/latest").json()
        self.assertEqual(
            body["files"][0]["url"], f"https://data.example/{release.name}/papers-00001.jsonl.gz"
        )

    def test_a_directory_being_written_is_not_a_release(self):
        (self.directory / f"{dumps.PARTIAL}2099-01-01T000000Z").mkdir()
        self.assertIsNone(dumps.latest(self.directory))
        release = self.export()
        self.assertEqual(dumps.latest(self.directory)["release"], release.name)

    def test_a_hand_edited_manifest_without_its_files_is_not_a_release(self):
        release = self.export()
        (release / dumps.MANIFEST).write_text(json.dumps({"release": release.name}))
        self.assertIsNone(dumps.latest(self.directory))
        with override_settings(DUMPS_DIR=str(self.directory)):
            self.assertEqual(self.client.get("/api/v1/dumps/latest").status_code, 404)
            self.assertEqual(self.client.get("/data").status_code, 200)


class TakenDownTests(DumpTestCase):
    def test_only_the_latest_release_is_served_and_the_command_removes_older_ones(self):
        old = self.export(seconds_later=-3600)
        self.assertIn("wombat-public", self.text(old, "summaries"))
        update_summary(self.public, visibility="private")
        out, err = io.StringIO(), io.StringIO()
        call_command("export_dump", str(self.directory), stdout=out, stderr=err)
        self.assertIn(f"Removed the older release {old.name}", err.getvalue())
        self.assertFalse(old.exists())
        new = dumps.latest(self.directory)["release"]
        self.assertNotIn("wombat-public", self.text(self.directory / new, "summaries"))
        # Even an older release left on disk (--keep-older) is not served.
        kept = self.export(seconds_later=-1800)
        with override_settings(DUMPS_DIR=str(self.directory)):
            r = self.client.get(f"/dumps/{kept.name}/summaries-00001.jsonl.gz")
            self.assertEqual(r.status_code, 404)
            r = self.client.get(f"/dumps/{new}/summaries-00001.jsonl.gz")
            self.assertEqual(r.status_code, 200)
            b"".join(r.streaming_content)

    def test_comments_are_read_in_a_constant_number_of_queries(self):
        for n in range(20):
            make_comment(self.public, self.charlie, f"More {n}.")
        with CaptureQueriesContext(connection) as few:
            self.export()
        for n in range(20):
            make_comment(self.public, self.charlie, f"Even more {n}.")
        with CaptureQueriesContext(connection) as more:
            self.export(seconds_later=1)
        self.assertEqual(len(more), len(few))


class DataPageTests(DumpTestCase):
    def test_the_page_says_what_the_dumps_are_and_links_the_latest_release(self):
        release = self.export()
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            with self.subTest(viewer=viewer), override_settings(DUMPS_DIR=str(self.directory)):
                html = self.client.get("/data").content.decode()
                self.assertIn("CC BY 4.0", html)
                self.assertIn(f"/dumps/{release.name}/summaries-00001.jsonl.gz", html)
                self.assertIn("/api/v1/dumps/latest", html)
                self.assertIn("/api/v1/docs", html)

    def test_without_a_release_the_page_says_so_or_links_where_they_are(self):
        self.assertContains(self.client.get("/data"), "No release has been published yet.")
        with override_settings(DUMPS_URL="https://data.example"):
            self.assertContains(self.client.get("/data"), 'href="https://data.example"')

    def test_every_page_links_the_open_data_page_in_its_footer(self):
        self.assertContains(self.client.get("/"), 'href="/data"')


class DownloadTests(DumpTestCase):
    def test_a_file_of_a_release_is_served_as_written(self):
        release = self.export()
        with override_settings(DUMPS_DIR=str(self.directory)):
            response = self.client.get(f"/dumps/{release.name}/summaries-00001.jsonl.gz")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "application/gzip")
            self.assertEqual(response["Cache-Control"], "public, max-age=3600")
            self.assertEqual(
                b"".join(response.streaming_content),
                (release / "summaries-00001.jsonl.gz").read_bytes(),
            )
            manifest = self.client.get(f"/dumps/{release.name}/manifest.json")
            self.assertEqual(
                json.loads(b"".join(manifest.streaming_content)), self.manifest(release)
            )

    def test_nothing_outside_a_release_is_served(self):
        release = self.export()
        (self.directory / "secret.txt").write_text("not for you")
        (release / "notes.txt").write_text("not a dump file")
        with override_settings(DUMPS_DIR=str(self.directory)):
            for url in (
                f"/dumps/{release.name}/../secret.txt",
                f"/dumps/{release.name}/..%2Fsecret.txt",
                f"/dumps/../{release.name}/manifest.json",
                "/dumps/%2E%2E/secret.txt",
                f"/dumps/{release.name}/notes.txt",
                "/dumps/2020-01-01T000000Z/manifest.json",
            ):
                with self.subTest(url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 404)
                    self.assertNotIn(b"not for you", response.content)
        for release_name, name in (("..", "secret.txt"), (release.name, "../../secret.txt")):
            self.assertIsNone(dumps.release_file(self.directory, release_name, name))

    def test_no_file_is_served_when_the_site_has_no_dumps_directory(self):
        release = self.export()
        response = self.client.get(f"/dumps/{release.name}/manifest.json")
        self.assertEqual(response.status_code, 404)
