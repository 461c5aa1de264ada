from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path
from unittest import TestCase, mock

from shortscience.lib.sqlite_cache import SQLiteCache


def _backend(path: Path, **options) -> SQLiteCache:
    return SQLiteCache(str(path), {"TIMEOUT": 60, "OPTIONS": options})


def _store_from_another_process(path: str) -> None:
    _backend(Path(path)).set("page", {"from": "a child"})


class SQLiteCacheTests(TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "cache.sqlite3"
        self.cache = _backend(self.path)

    def tearDown(self):
        self.dir.cleanup()

    def test_a_stored_value_comes_back_whole(self):
        page = (200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 20_000)
        self.cache.set("page", page)
        self.assertEqual(self.cache.get("page"), page)
        self.assertIsNone(self.cache.get("another"))
        self.assertEqual(self.cache.get("another", "default"), "default")

    def test_every_worker_process_on_the_machine_sees_the_same_entries(self):
        # A child process writes; this process reads it through its own connection.
        child = multiprocessing.get_context("spawn").Process(
            target=_store_from_another_process, args=(str(self.path),)
        )
        child.start()
        child.join(30)
        self.assertEqual(child.exitcode, 0)
        self.assertEqual(self.cache.get("page"), {"from": "a child"})
        self.assertEqual(_backend(self.path).get("page"), {"from": "a child"})

    def test_an_entry_past_its_time_is_not_returned(self):
        self.cache.set("short", "value", timeout=5)
        with mock.patch("time.time", return_value=time.time() + 6):
            self.assertIsNone(self.cache.get("short"))
            self.assertFalse(self.cache.has_key("short"))
        self.cache.set("forever", "value", timeout=None)
        with mock.patch("time.time", return_value=time.time() + 10**9):
            self.assertEqual(self.cache.get("forever"), "value")

    def test_add_keeps_a_live_entry_and_replaces_an_expired_one(self):
        self.assertTrue(self.cache.add("key", "first", timeout=5))
        self.assertFalse(self.cache.add("key", "second"))
        self.assertEqual(self.cache.get("key"), "first")
        with mock.patch("time.time", return_value=time.time() + 6):
            self.assertTrue(self.cache.add("key", "third"))
            self.assertEqual(self.cache.get("key"), "third")

    def test_delete_touch_and_clear(self):
        self.cache.set("a", 1, timeout=5)
        self.cache.set("b", 2)
        self.assertTrue(self.cache.touch("a", timeout=100))
        with mock.patch("time.time", return_value=time.time() + 50):
            self.assertEqual(self.cache.get("a"), 1)
        self.assertTrue(self.cache.delete("a"))
        self.assertFalse(self.cache.delete("a"))
        self.assertFalse(self.cache.touch("a"))
        self.cache.clear()
        self.assertIsNone(self.cache.get("b"))

    def test_the_sweep_drops_expired_entries_then_those_nearest_to_expiring(self):
        cache = _backend(self.path, MAX_ENTRIES=10, CULL_FREQUENCY=5, CULL_EVERY=1000)
        cache.set("expired", "x", timeout=1)
        for i in range(12):
            cache.set(f"k{i}", i, timeout=100 + i)
        with mock.patch("time.time", return_value=time.time() + 2):
            cache.cull()
        kept = [key for key in (f"k{i}" for i in range(12)) if cache.has_key(key)]
        self.assertFalse(cache.has_key("expired"))
        self.assertEqual(kept, [f"k{i}" for i in range(2, 12)])

    def test_writes_sweep_the_file_on_their_own(self):
        cache = _backend(self.path, MAX_ENTRIES=20, CULL_FREQUENCY=2, CULL_EVERY=10)
        for i in range(100):
            cache.set(f"k{i}", i, timeout=100 + i)
        count = cache._db().execute("SELECT COUNT(*) FROM cache").fetchone()[0]
        self.assertLessEqual(count, 30)
        self.assertTrue(cache.has_key("k99"))

    def test_keys_follow_djangos_versions_and_prefixes(self):
        self.cache.set("key", "v1", version=1)
        self.cache.set("key", "v2", version=2)
        self.assertEqual(self.cache.get("key", version=1), "v1")
        self.assertEqual(self.cache.get("key", version=2), "v2")


class BrokenCacheFileTests(TestCase):
    def test_a_file_that_is_not_a_database_is_replaced_by_an_empty_cache(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "cache.sqlite3"
            path.write_bytes(b"this is not a SQLite database" * 200)
            cache = _backend(path)
            with self.assertLogs("shortscience.lib.sqlite_cache", "WARNING"):
                self.assertIsNone(cache.get("page"))
            cache.set("page", "stored")
            self.assertEqual(_backend(path).get("page"), "stored")

    def test_a_file_locked_by_another_worker_is_waited_for_never_deleted(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "cache.sqlite3"
            _backend(path).set("page", "stored by another worker")
            cache = _backend(path)
            real = SQLiteCache._connect
            calls = []

            def busy_once(self):
                calls.append(1)
                if len(calls) == 1:
                    raise __import__("sqlite3").OperationalError("database is locked")
                return real(self)

            with mock.patch.object(SQLiteCache, "_connect", busy_once):
                self.assertEqual(cache.get("page"), "stored by another worker")
            self.assertEqual(len(calls), 2)
