"""Work off the request path: queued in the writer's transaction, run once by the worker."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from shortscience.web import tasks
from shortscience.web.models import ContentClock, Task


class TaskQueueTests(TestCase):
    def setUp(self):
        self.calls: list[dict] = []
        handlers = {
            "test_noted": self._noted,
            "test_fails": self._fails,
        }
        patcher = mock.patch.dict(tasks._handlers, handlers)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _noted(self, **args):
        self.calls.append(args)
        # A write of the handler's own: it must commit with the task's removal, or not at all.
        ContentClock.objects.update(seq=len(self.calls))

    def _fails(self, **args):
        ContentClock.objects.update(seq=99)
        raise RuntimeError("the mail server is down")

    def test_a_task_runs_once_and_is_gone(self):
        tasks.enqueue("test_noted", paper_id=3)
        self.assertEqual(tasks.run_due(), {"done": 1, "retry": 0, "failed": 0})
        self.assertEqual(self.calls, [{"paper_id": 3}])
        self.assertFalse(Task.objects.exists())
        self.assertEqual(tasks.run_due(), {"done": 0, "retry": 0, "failed": 0})
        self.assertEqual(len(self.calls), 1)

    def test_a_write_that_rolls_back_leaves_no_task(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            tasks.enqueue("test_noted", paper_id=3)
            raise RuntimeError
        self.assertFalse(Task.objects.exists())

    def test_a_task_without_a_handler_is_refused_when_queued(self):
        with self.assertRaises(LookupError):
            tasks.enqueue("no_such_task")

    def test_a_failing_task_keeps_nothing_it_wrote_and_is_retried_later(self):
        tasks.enqueue("test_fails")
        now = timezone.now()
        self.assertEqual(tasks.run_due(now=now), {"done": 0, "retry": 1, "failed": 0})
        self.assertEqual(ContentClock.objects.get().seq, 0)  # its write went with it
        task = Task.objects.get()
        self.assertEqual(task.attempts, 1)
        self.assertIn("the mail server is down", task.last_error)
        self.assertEqual(task.run_after, now + timedelta(seconds=tasks.RETRY_BASE_SECONDS))
        self.assertEqual(tasks.run_due(now=now), {"done": 0, "retry": 0, "failed": 0})  # not due

    def test_a_task_that_keeps_failing_is_given_up_and_kept_for_an_operator(self):
        tasks.enqueue("test_fails")
        later = timezone.now()
        for _ in range(tasks.MAX_ATTEMPTS):
            later += timedelta(days=1)
            tasks.run_due(now=later)
        task = Task.objects.get()
        self.assertIsNotNone(task.failed_at)
        self.assertEqual(task.attempts, tasks.MAX_ATTEMPTS)
        self.assertEqual(tasks.run_due(now=later + timedelta(days=1))["retry"], 0)

    def test_tasks_run_oldest_first(self):
        for n in range(3):
            tasks.enqueue("test_noted", n=n)
        tasks.run_due()
        self.assertEqual([c["n"] for c in self.calls], [0, 1, 2])

    def test_two_handlers_for_one_name_are_refused(self):
        with self.assertRaises(ValueError):
            tasks.handler("test_noted")(lambda: None)
