"""Votes (and comments) from many connections at once leave counts equal to the rows.

Each thread stands for a request: its own database connection, its own transactions.

On PostgreSQL the threads share the test database as any server processes would. Django's
SQLite test database lives in memory with a shared cache, where a writer that meets another
fails at once with "database table is locked" instead of waiting: no site runs like that.
So on SQLite the test copies that database to a file and runs against it with the site's
own SQLite settings (WAL, IMMEDIATE transactions, a busy timeout), which is the embedded
deployment this has to hold on.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from django.db import connection, connections
from django.test import TransactionTestCase

from shortscience.community.models import Comment, Vote
from shortscience.community.services import (
    cast_vote,
    delete_comment,
    post_comment,
)
from shortscience.ranking.scores import wilson_lower_bound
from shortscience.test import make_paper, make_summary, make_user

THREADS = 8
VOTES_PER_THREAD = 30


class VoteConcurrencyTests(TransactionTestCase):
    file_settings: dict | None = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            cls.tmp = Path(tempfile.mkdtemp())
            path = cls.tmp / "concurrency.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(path) as copy:
                connection.connection.backup(copy)
            copy.close()
            cls.memory = connections["default"]
            cls.file_settings = {**connection.settings_dict, "NAME": str(path)}
            connections["default"] = cls.file_connection()

    @classmethod
    def tearDownClass(cls):
        if cls.file_settings is not None:
            connections["default"].close()
            connections["default"] = cls.memory
            shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    @classmethod
    def file_connection(cls):
        return type(cls.memory)(cls.file_settings, "default")

    def run_threads(self, work) -> list[BaseException]:
        barrier = threading.Barrier(THREADS)
        errors: list[BaseException] = []

        def run(seed: int) -> None:
            if self.file_settings is not None:
                connections["default"] = self.file_connection()
            try:
                barrier.wait()
                work(random.Random(seed))  # noqa: S311 - a repeatable schedule, not a secret
            except BaseException as e:
                errors.append(e)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(seed,)) for seed in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    def test_concurrent_votes_changes_and_withdrawals_keep_the_counts_exact(self):
        summary = make_summary(make_paper(), make_user("author"))
        # Fewer voters than threads: the same member votes from several threads at once,
        # racing on their one Vote row (first insert, change, withdrawal).
        voters = [make_user(f"voter{i}") for i in range(5)]

        def work(rng: random.Random) -> None:
            for _ in range(VOTES_PER_THREAD):
                cast_vote(rng.choice(voters), summary=summary, value=rng.choice([1, 1, -1, 0]))

        self.assertEqual(self.run_threads(work), [])
        summary.refresh_from_db()
        up = Vote.objects.filter(summary=summary, value=1).count()
        down = Vote.objects.filter(summary=summary, value=-1).count()
        self.assertEqual((summary.upvotes, summary.downvotes), (up, down))
        self.assertAlmostEqual(summary.wilson, wilson_lower_bound(up, down))
        self.assertLessEqual(up + down, len(voters))

    def test_concurrent_comments_and_deletions_keep_the_comment_count_exact(self):
        summary = make_summary(make_paper(), make_user("author"))
        writers = [make_user(f"writer{i}") for i in range(THREADS)]

        def work(rng: random.Random) -> None:
            writer = rng.choice(writers)
            for n in range(10):
                comment = post_comment(writer, summary, f"Comment {n}.")
                if rng.random() < 0.4:
                    delete_comment(writer, comment)

        self.assertEqual(self.run_threads(work), [])
        summary.refresh_from_db()
        live = Comment.objects.filter(summary=summary, is_deleted=False).count()
        self.assertEqual(summary.comment_count, live)
        self.assertEqual(Comment.objects.filter(summary=summary).count(), THREADS * 10)
