"""/healthz stays cheap; /healthz?full=1 and `manage.py doctor` tell which part is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import unittest
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.notifications.models import OutboxEmail
from shortscience.papers.models import ImportCheckpoint
from shortscience.test import BaseTestCase
from shortscience.web import health, replicas
from shortscience.web.models import Task
from shortscience.web.tests.helpers import PageCacheTestCase

PARTS = {"database", "replicas", "cache", "katex", "tasks", "email", "harvest"}


class HealthTests(BaseTestCase):
    def full(self):
        response = self.client.get("/healthz?full=1")
        self.assertEqual(response["Cache-Control"], "no-store")
        return response.status_code, response.json()

    def test_the_plain_check_asks_nothing_of_the_database(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (200, b"ok"))
        self.assertEqual(len(queries), 0)

    def test_the_full_check_names_every_part_and_is_200_when_all_work(self):
        ImportCheckpoint.objects.create(key="harvest-arxiv:cs", position=739000)
        status, body = self.full()
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(set(body["checks"]), PARTS)
        self.assertTrue(all(part["ok"] for part in body["checks"].values()))
        self.assertIn("cs up to 2024", body["checks"]["harvest"]["detail"])

    def test_a_cache_that_is_down_is_a_503_that_says_which_and_no_more(self):
        # Whatever the backend (SQLite's file, Redis in CI): its client raising, as redis-py
        # does when the server is gone.
        down = mock.Mock()
        down.set.side_effect = ConnectionError("redis://secret-host:6379 refused")
        with mock.patch.object(health, "caches", {"default": down}):
            status, body = self.full()
        self.assertEqual((status, body["status"]), (503, "failing"))
        self.assertEqual(
            body["checks"]["cache"], {"ok": False, "detail": "failed (ConnectionError)"}
        )
        self.assertTrue(body["checks"]["database"]["ok"])

    def test_work_left_waiting_means_the_worker_is_down(self):
        long_ago = timezone.now() - timedelta(hours=1)
        Task.objects.create(name="summary_saved", args={}, run_after=long_ago)
        OutboxEmail.objects.create(
            to="ada@example.org", subject="s", body_text="b", send_after=long_ago
        )
        status, body = self.full()
        self.assertEqual(status, 503)
        self.assertFalse(body["checks"]["tasks"]["ok"])
        self.assertIn("is the worker running", body["checks"]["tasks"]["detail"])
        self.assertFalse(body["checks"]["email"]["ok"])
        self.assertEqual(body["checks"]["email"]["detail"], "1 waiting, none sent yet")

    def test_a_replica_down_or_behind_is_a_503_naming_it_and_its_lag(self):
        lags = {"replica1": 0.2, "replica2": 4.5}

        def lag(alias):
            if alias == "replica3":
                raise OperationalError("connection to replica-host:5433 refused")
            return lags[alias]

        # (The request itself reads the primary: only the check sees these replicas.)
        self.enterContext(mock.patch.object(replicas, "process_replica", return_value=None))
        with (
            mock.patch.object(replicas, "aliases", return_value=["replica1", "replica2"]),
            mock.patch.object(replicas, "lag", side_effect=lag),
        ):
            status, body = self.full()
            self.assertEqual(status, 503)
            self.assertEqual(
                body["checks"]["replicas"]["detail"],
                "replica1: lag 0.200 s; replica2: lag 4.500 s (too far behind)",
            )
            lags["replica2"] = 0.5
            self.assertEqual(self.full()[0], 200)
        with (
            mock.patch.object(replicas, "aliases", return_value=["replica3"]),
            mock.patch.object(replicas, "lag", side_effect=lag),
        ):
            status, body = self.full()
        self.assertEqual(
            (status, body["checks"]["replicas"]["detail"]),
            (503, "replica3: failed (OperationalError)"),
        )

    def test_a_katex_worker_that_cannot_start_is_down(self):
        with mock.patch(
            "shortscience.lib.katex.render_many", side_effect=RuntimeError("node missing")
        ):
            status, body = self.full()
        self.assertEqual(status, 503)
        self.assertEqual(body["checks"]["katex"]["detail"], "failed (RuntimeError)")

    def test_doctor_prints_each_part_and_fails_when_one_is_down(self):
        out = StringIO()
        call_command("doctor", stdout=out)
        self.assertEqual(len(out.getvalue().splitlines()), len(PARTS))
        Task.objects.create(
            name="summary_saved", args={}, run_after=timezone.now() - timedelta(hours=1)
        )
        out = StringIO()
        with self.assertRaises(SystemExit) as stopped:
            call_command("doctor", stdout=out)
        self.assertEqual(stopped.exception.code, 1)
        self.assertIn("DOWN tasks", out.getvalue())


class HealthCacheTests(PageCacheTestCase):
    def test_the_full_check_is_never_served_from_the_page_cache(self):
        self.assertEqual(self.client.get("/healthz?full=1").status_code, 200)
        Task.objects.create(
            name="summary_saved", args={}, run_after=timezone.now() - timedelta(hours=1)
        )
        self.assertEqual(self.client.get("/healthz?full=1").status_code, 503)


@unittest.skipUnless(shutil.which("redis-server"), "needs Debian's redis-server")
class RedisStoppedTests(BaseTestCase):
    """A Redis server of this test's own, stopped and started again under the site's cache:
    the shared one other tests and servers use is left alone."""

    def setUp(self):
        super().setUp()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.addCleanup(self.stop)
        self.redis = None
        self.start()
        cache_settings = override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": f"redis://127.0.0.1:{self.port}/0",
                    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
                }
            }
        )
        cache_settings.enable()
        self.addCleanup(cache_settings.disable)

    def start(self):
        self.redis = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.fail("redis-server did not start")

    def stop(self):
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(10)

    def cache_check(self):
        response = self.client.get("/healthz?full=1")
        return response.status_code, response.json()["checks"]["cache"]

    def test_the_full_check_turns_503_when_redis_stops_and_200_when_it_is_back(self):
        self.assertEqual(self.cache_check(), (200, {"ok": True, "detail": "RedisCache"}))
        self.stop()
        status, cache = self.cache_check()
        self.assertEqual(status, 503)
        self.assertFalse(cache["ok"])
        self.assertIn("ConnectionError", cache["detail"])
        self.start()
        self.assertEqual(self.cache_check(), (200, {"ok": True, "detail": "RedisCache"}))
