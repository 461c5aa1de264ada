"""Two app servers, one database and one shared cache, as a site past one machine runs them:
a write through one is seen by a visitor of the other within PAGE_CACHE_VERSION_SECONDS.

Real processes (gunicorn) on a database of their own, made and migrated for this test: the
test suite's own database is in memory on SQLite and inside a transaction on PostgreSQL.
On PostgreSQL with Redis as CACHE_URL (CI's second run) this is the several-servers
set-up; on SQLite, the one-machine one (several processes, a cache file they share).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
# The promise under test, as the servers are configured below; and the time a request or two
# takes on a busy CI machine, on top of it.
VERSION_SECONDS = 1.0
SLACK = 0.5
SEED = """
import json
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from shortscience.test import make_paper, make_summary, make_user

alice, bob = make_user("alice", display_name="Alice Aumann"), make_user("bob")
paper = make_paper("Two Servers, One Truth")
summary = make_summary(paper, alice, "Seen through the other server.")
session = SessionStore()
session["_auth_user_id"] = str(bob.pk)
session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
session["_auth_user_hash"] = bob.get_session_auth_hash()
session.create()
print(json.dumps({"paper": paper.get_absolute_url(), "summary": summary.pk,
                  "session": session.session_key}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TwoAppServersTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = Path(tempfile.mkdtemp(prefix="ss-servers-"))
        cls.pg_name = None
        if connection.vendor == "postgresql":
            import psycopg

            cls.pg_name = f"ss_two_servers_{os.getpid()}"
            params = connection.settings_dict
            cls.admin_dsn = (
                f"postgresql://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
                f"{params['PORT'] or 5432}/postgres"
            )
            with psycopg.connect(cls.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{cls.pg_name}"')
                conn.execute(f'CREATE DATABASE "{cls.pg_name}"')
            database_url = (
                cls.admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgres://")
                + f"/{cls.pg_name}"
            )
        else:
            database_url = f"sqlite:///{cls.tmp / 'site.sqlite3'}"
        cache_url = os.environ.get("CACHE_URL", "")
        if not cache_url.startswith("redis://"):
            cache_url = f"sqlite:///{cls.tmp / 'cache.sqlite3'}"
        cls.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            CACHE_URL=cache_url,
            DEBUG="1",  # static files without collectstatic; the page cache is as served
            PAGE_CACHE_SECONDS="600",
            PAGE_CACHE_VERSION_SECONDS=str(VERSION_SECONDS),
            VAR_DIR=str(cls.tmp),
        )
        if cache_url.startswith("redis://"):
            import redis

            redis.Redis.from_url(cache_url).flushdb()
        cls._manage("migrate", "--noinput", "-v0")
        seeded = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SEED],
            env=cls.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if seeded.returncode:
            raise RuntimeError(f"seeding the servers' database failed:\n{seeded.stderr}")
        cls.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        cls.servers = [cls._start() for _ in range(2)]

    @classmethod
    def tearDownClass(cls):
        for process, _ in getattr(cls, "servers", []):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        if cls.pg_name:
            import psycopg

            with psycopg.connect(cls.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{cls.pg_name}" WITH (FORCE)')
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def _manage(cls, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], env=cls.env, cwd=ROOT, check=True)

    @classmethod
    def _start(cls) -> tuple[subprocess.Popen, str]:
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shortscience.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            env=cls.env,
            cwd=ROOT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                return process, base
            except OSError:
                time.sleep(0.1)
        os.killpg(process.pid, signal.SIGTERM)
        raise RuntimeError("gunicorn did not start")

    def _visit(self, base: str, path: str) -> tuple[str, str]:
        with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
            return response.read().decode(), response.headers.get("X-Cache", "")

    def _as_bob(self, base: str, path: str, **form) -> dict:
        token = secrets.token_hex(16)  # an unmasked CSRF secret: cookie and header agree
        request = urllib.request.Request(
            f"{base}{path}",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Cookie": f"sessionid={self.seed['session']}; csrftoken={token}",
                "X-CSRFToken": token,
                "Accept": "application/json",
                "Referer": f"{base}/",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def _seen_within(self, base: str, path: str, text: str) -> float:
        """Seconds until `text` shows on `path` of `base`, read every 20 ms."""
        start = time.monotonic()
        while time.monotonic() - start < 10:
            page, _ = self._visit(base, path)
            if text in page:
                return time.monotonic() - start
            time.sleep(0.02)
        self.fail(f"{text!r} not on {base}{path} after 10 s")

    def _cached_on(self, base: str, path: str) -> str:
        for _ in range(10):  # each of the server's workers keeps its own copy
            page, cache = self._visit(base, path)
        self.assertEqual(cache, "hit")
        return page

    def test_a_vote_through_one_server_is_seen_through_the_other_within_a_second(self):
        (_, first), (_, second) = self.servers
        paper = self.seed["paper"]
        self.assertNotIn('title="1 up, 0 down"', self._cached_on(second, paper))
        answer = self._as_bob(first, f"/summary/{self.seed['summary']}/vote", value="1")
        self.assertEqual((answer["ok"], answer["upvotes"]), (True, 1))
        seconds = self._seen_within(second, paper, 'title="1 up, 0 down"')
        self.assertLess(seconds, VERSION_SECONDS + SLACK, f"seen after {seconds:.2f} s")

    def test_a_comment_through_one_server_is_seen_through_the_other_within_a_second(self):
        (_, first), (_, second) = self.servers
        thread = f"/summary/{self.seed['summary']}"
        self.assertNotIn("A remark from across the servers", self._cached_on(first, thread))
        answer = self._as_bob(
            second, f"{thread}/comments", body="A remark from across the servers."
        )
        self.assertTrue(answer["ok"])
        seconds = self._seen_within(first, thread, "A remark from across the servers")
        self.assertLess(seconds, VERSION_SECONDS + SLACK, f"seen after {seconds:.2f} s")
