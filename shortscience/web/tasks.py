"""Work off the request path: a task is a row written in the transaction of the write that
asked for it, and the background worker (`manage.py send_emails --loop`) runs it later.

    tasks.enqueue("summary_saved", summary_id=s.pk, created=True, became_public=True)

    @tasks.handler("summary_saved")          # in the app that does the work, at import time
    def tell_followers(summary_id, created, became_public): ...

A task names what happened; the app that acts on it registers a handler for that name (its
AppConfig.ready() imports the module). So the writing app needs no import of the one that
reacts: the summaries app enqueues "summary_saved" and the notifications app, above it,
tells the followers.

Guarantees. Enqueued in the writer's transaction: a write that rolls back leaves no task,
and one that commits leaves exactly one. Run in one transaction with its own deletion: the
handler's writes and the task's removal commit together, so a worker that stops half way
leaves the task to be run again, and a task that ran is never run twice. A handler that
raises is retried later (after 10 s, then 30 s, 90 s, ...) and given up after MAX_ATTEMPTS,
with the error kept on the row for an operator. On PostgreSQL, several workers take
different tasks (SKIP LOCKED); SQLite runs one writer at a time anyway.

A handler with much to do (a paper with 10,000 followers) does a batch and enqueues the rest
as a new task in the same transaction, so no transaction holds the write lock for long.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shortscience.web.models import Task

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 10

_handlers: dict[str, Callable[..., None]] = {}


def handler(name: str):
    """Register the function that runs the tasks called `name`."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        if _handlers.get(name, function) is not function:
            raise ValueError(f"Two handlers for the task {name!r}")
        _handlers[name] = function
        return function

    return register


def enqueue(name: str, **args) -> Task:
    """Queue `name(**args)` in the current transaction. `args` must be JSON: ids, not rows
    (the row may change before the task runs, and the handler reads it fresh)."""
    if name not in _handlers:
        raise LookupError(f"No handler for the task {name!r}: is its app installed?")
    return Task.objects.create(name=name, args=args)


def run_due(limit: int = 1000, now=None) -> dict[str, int]:
    """Run up to `limit` due tasks, oldest first, each in its own transaction; a tally."""
    tally = {"done": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        outcome = _run_one(now or timezone.now())
        if outcome is None:
            break
        tally[outcome] += 1
    return tally


def _run_one(now) -> str | None:
    with transaction.atomic():
        task = (
            Task.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("run_after", "pk")
            .first()
        )
        if task is None:
            return None
        try:
            function = _handlers.get(task.name)
            if function is None:
                raise LookupError(f"No handler for the task {task.name!r}")
            # A savepoint: a failing handler's writes go, the task's new state stays.
            with transaction.atomic():
                function(**task.args)
        except Exception as error:
            task.attempts += 1
            task.last_error = f"{type(error).__name__}: {error}"[:2000]
            if task.attempts >= MAX_ATTEMPTS:
                task.failed_at = now
                outcome = "failed"
            else:
                delay = RETRY_BASE_SECONDS * 3 ** (task.attempts - 1)
                task.run_after = now + timedelta(seconds=delay)
                outcome = "retry"
            task.save(update_fields=["attempts", "last_error", "failed_at", "run_after"])
            return outcome
        task.delete()
        return "done"
