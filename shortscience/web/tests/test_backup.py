"""`manage.py backup` and `manage.py restore`, end to end: a site with content on a database
of its own, backed up, restored into a fresh database, and compared.

Real processes, as an administrator runs them: the suite's own database is in memory on
SQLite and inside a transaction on PostgreSQL, neither of which a backup can read. Under
DATABASE_URL=postgres://... (CI's second run) the same tests use scratch databases on that
server, made and dropped here.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from django.db import connection
from django.test import SimpleTestCase

from shortscience.web import backup

ROOT = Path(__file__).resolve().parents[3]
SEED = """
import json
from io import BytesIO
from PIL import Image
from shortscience.test import make_comment, make_paper, make_summary, make_user, make_vote
from shortscience.uploads.services import store_upload

alice, bob = make_user("alice", display_name="Alice Aumann"), make_user("bob")
paper = make_paper("Backups, Restored")
make_paper("A Paper Nobody Summarised")
image = BytesIO()
Image.new("RGB", (8, 6), (200, 30, 30)).save(image, format="PNG")
upload = store_upload(user=alice, data=image.getvalue())
body = f"Energy is $E=mc^2$, and $$\\\\int_0^1 x\\\\,dx = \\\\tfrac12$$\\n\\n![figure]({upload.url})"
summary = make_summary(paper, alice, body)
make_comment(summary, bob, "Why $x^2$?")
make_vote(bob, 1, summary=summary)
print(json.dumps({"summary": summary.get_absolute_url(), "image": upload.file.name}))
"""
# Every table's rows, by Django's own list of tables (not the backup module's), and, with
# a path, that page as an anonymous visitor gets it.
STATE = """
import base64, json
from django.db import connection
from django.test import Client
from shortscience.web.models import ContentClock

tables = {}
with connection.cursor() as cursor:
    for table in connection.introspection.table_names(cursor):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        tables[table] = cursor.fetchone()[0]
state = {"tables": tables}
if PATH:
    state["epoch"] = ContentClock.objects.get().epoch
    r = Client().get(PATH, HTTP_HOST="127.0.0.1")
    state.update(status=r.status_code, cache=r.get("X-Cache", ""))
    state["page"] = base64.b64encode(r.content).decode()
print(json.dumps(state))
"""


class BackupAndRestoreTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix="ss-backup-"))
        cls.pg_names: list[str] = []
        cls.source = cls._site("source")
        cls.manage(cls.source, "migrate", "--noinput", "-v0")
        cls.seed = json.loads(cls.manage(cls.source, "shell", "-c", SEED).stdout.splitlines()[-1])
        cls.before = cls.state(cls.source, cls.seed["summary"])
        done = cls.manage(cls.source, "backup", str(cls.tmp / "backups"))
        cls.backup_out = done
        cls.folder = Path(done.stdout.strip())
        cls.restored = cls._site("restored")
        cls.restore_out = cls.manage(cls.restored, "restore", str(cls.folder))
        cls.after = cls.state(cls.restored, cls.seed["summary"])

    @classmethod
    def tearDownClass(cls):
        if cls.pg_names:
            import psycopg

            with psycopg.connect(cls.admin_dsn, autocommit=True) as conn:
                for name in cls.pg_names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def _site(cls, name: str) -> dict[str, str]:
        """The environment of a site with an empty database and media folder of its own.
        Every site shares one page cache, as an app server restored in place does."""
        if connection.vendor == "postgresql":
            import psycopg

            params = connection.settings_dict
            server = f"{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
            cls.admin_dsn = f"postgresql://{server}/postgres"
            database = f"ss_backup_test_{os.getpid()}_{name}"
            with psycopg.connect(cls.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{database}"')
            cls.pg_names.append(database)
            database_url = f"postgres://{server}/{database}"
        else:
            database_url = f"sqlite:///{cls.tmp / name / 'site.sqlite3'}"
        (cls.tmp / name).mkdir()
        return dict(
            os.environ,
            DATABASE_URL=database_url,
            CACHE_URL=f"sqlite:///{cls.tmp / 'cache.sqlite3'}",
            PAGE_CACHE_SECONDS="600",
            DEBUG="1",
            VAR_DIR=str(cls.tmp / name),
            MEDIA_ROOT=str(cls.tmp / name / "media"),
        )

    @classmethod
    def manage(cls, site: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=site,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
        return done

    @classmethod
    def state(cls, site: dict, path: str = "") -> dict:
        done = cls.manage(site, "shell", "-c", f"PATH = {path!r}\n{STATE}")
        return json.loads(done.stdout.splitlines()[-1])

    def test_a_restored_site_has_every_table_s_rows_and_renders_the_summary_page_byte_for_byte(
        self,
    ):
        self.assertEqual(self.after["tables"], self.before["tables"])
        for table in ("papers_paper", "summaries_summary", "community_comment", "uploads_upload"):
            self.assertGreater(self.before["tables"][table], 0, table)
        self.assertEqual(self.after["status"], 200)
        page = base64.b64decode(self.after["page"])
        self.assertEqual(page, base64.b64decode(self.before["page"]))
        self.assertIn(b'class="katex"', page)
        self.assertIn(self.seed["image"].encode(), page)
        image = Path(self.restored["MEDIA_ROOT"], self.seed["image"])
        self.assertEqual(
            image.read_bytes(), Path(self.source["MEDIA_ROOT"], self.seed["image"]).read_bytes()
        )
        self.assertIn("Restored", self.restore_out.stdout)

    def test_the_restored_site_renders_its_pages_again_rather_than_serve_those_cached_before(
        self,
    ):
        self.assertEqual(self.before["cache"], "miss")
        self.assertEqual(self.after["cache"], "miss")
        self.assertNotEqual(self.after["epoch"], self.before["epoch"])

    def test_a_backup_is_one_folder_with_a_manifest_of_its_files_and_tables(self):
        self.assertRegex(self.folder.name, r"^shortscience-\d{8}-\d{6}$")
        self.assertEqual([p.name for p in self.folder.parent.iterdir()], [self.folder.name])
        manifest = json.loads((self.folder / "manifest.json").read_text())
        self.assertEqual(manifest["vendor"], connection.vendor)
        self.assertEqual(manifest["media"], "copied")
        self.assertEqual(manifest["tables"]["summaries_summary"], 1)
        self.assertIn("summaries", manifest["migrations"])
        self.assertIn(f"media/{self.seed['image']}", manifest["files"])
        for name, described in manifest["files"].items():
            self.assertEqual(backup._describe(self.folder / name), described, name)
        self.assertIn("database", self.backup_out.stderr)  # progress

    def test_a_database_that_holds_rows_is_refused_without_force_and_replaced_with_it(self):
        site = self._site("migrated")
        self.manage(site, "migrate", "--noinput", "-v0")
        migrated = self.state(site)
        refused = self.manage(site, "restore", str(self.folder), check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("not empty", refused.stderr)
        self.assertIn("--force", refused.stderr)
        self.assertEqual(self.state(site), migrated)
        self.manage(site, "restore", "--force", str(self.folder))
        self.assertEqual(self.state(site)["tables"], self.before["tables"])

    def test_a_damaged_backup_is_refused_and_changes_nothing(self):
        damaged = self.tmp / "damaged"
        shutil.copytree(self.folder, damaged)
        database = next(p for p in damaged.iterdir() if p.name.startswith("database."))
        data = bytearray(database.read_bytes())
        data[len(data) // 2] ^= 0xFF
        database.write_bytes(bytes(data))
        site = self._site("untouched")
        refused = self.manage(site, "restore", str(damaged), check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn(f"{database.name} does not match its checksum", refused.stderr)
        self.assertEqual(self.state(site)["tables"], {})
        self.assertFalse(Path(site["MEDIA_ROOT"]).exists())


class BackupFolderTests(SimpleTestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def test_an_interrupted_backup_leaves_no_folder_that_looks_complete(self):
        def interrupted(target, out):
            target.write_bytes(b"half a database")
            raise KeyboardInterrupt

        with (
            mock.patch.object(backup, "_vendor", return_value="sqlite"),
            mock.patch.object(backup, "_dump_sqlite", side_effect=interrupted),
            self.assertRaises(KeyboardInterrupt),
        ):
            backup.create(self.tmp)
        self.assertEqual(list(self.tmp.iterdir()), [])

    def test_a_folder_left_by_a_killed_backup_is_refused(self):
        partial = self.tmp / ".shortscience-20250101-000000.partial"
        partial.mkdir()
        (partial / "manifest.json").write_text(json.dumps({"format": 1}))
        with self.assertRaisesMessage(backup.BackupError, "interrupted backup"):
            backup.restore(partial)

    def test_a_folder_without_a_manifest_is_not_a_backup(self):
        with self.assertRaisesMessage(backup.BackupError, "not a backup"):
            backup.restore(self.tmp)

    def test_a_backup_of_another_vendor_is_refused(self):
        database = self.tmp / "database.pgdump"
        database.write_bytes(b"a dump")
        manifest = {
            "format": 1,
            "vendor": "postgresql" if connection.vendor == "sqlite" else "sqlite",
            "database": database.name,
            "media": "copied",
            "tables": {},
            "files": {database.name: backup._describe(database)},
        }
        (self.tmp / "manifest.json").write_text(json.dumps(manifest))
        with (
            mock.patch.object(backup, "_vendor", return_value=connection.vendor),
            self.assertRaisesMessage(backup.BackupError, "is configured for"),
        ):
            backup.restore(self.tmp)

    def test_a_manifest_naming_a_file_outside_the_media_folder_is_refused(self):
        database = self.tmp / "database.sqlite3"
        database.write_bytes(b"a database")
        (self.tmp / "media" / "etc").mkdir(parents=True)
        planted = self.tmp / "media" / "etc" / "x"
        planted.write_bytes(b"planted")
        for name in ("media//etc/x", "media/../database.sqlite3", "/etc/passwd"):
            manifest = {
                "format": 1,
                "vendor": "sqlite",
                "database": database.name,
                "media": "copied",
                "tables": {},
                "files": {database.name: backup._describe(database), name: {"size": 7}},
            }
            (self.tmp / "manifest.json").write_text(json.dumps(manifest))
            with (
                self.subTest(name),
                self.assertRaisesMessage(backup.BackupError, f"{name} is not a file of the backup"),
            ):
                backup.restore(self.tmp)
