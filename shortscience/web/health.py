"""`/healthz`: for load balancers (cheap: no query), and the trivial view that bench/load.py
measures pages against. `/healthz?full=1` and `manage.py doctor`: the parts the site depends
on, each with a status, and a 503 when one is down.

A part is a check registered by the app that knows it (`@health.check("email")` in a module
its AppConfig.ready() imports), as tasks are: this module needs no import of the apps above
it. A check answers (ok, detail); one that raises is down, and says only the exception's
kind (an error's text may name hosts or users, and the page is for anyone).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

# Work queued this long ago and still not done means the worker is not running.
LATE = timedelta(minutes=15)

_checks: dict[str, Callable[[], tuple[bool, str]]] = {}


@dataclass(frozen=True)
class Part:
    name: str
    ok: bool
    detail: str


def check(name: str):
    """Register the function that tells whether `name` works: () -> (ok, detail)."""

    def register(function):
        _checks[name] = function
        return function

    return register


def parts() -> list[Part]:
    found = []
    for name, function in _checks.items():
        try:
            ok, detail = function()
        except Exception as e:
            ok, detail = False, f"failed ({type(e).__name__})"
        found.append(Part(name, bool(ok), detail))
    return found


def healthz(request):
    if request.GET.get("full") != "1":
        return HttpResponse("ok", content_type="text/plain")
    found = parts()
    ok = all(p.ok for p in found)
    response = JsonResponse(
        {
            "status": "ok" if ok else "failing",
            "checks": {p.name: {"ok": p.ok, "detail": p.detail} for p in found},
        },
        status=200 if ok else 503,
    )
    # Never from a cache, the site's page cache included: it tells about now.
    response["Cache-Control"] = "no-store"
    return response


def late(oldest) -> bool:
    return oldest is not None and oldest < timezone.now() - LATE


@check("database")
def _database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


@check("replicas")
def _replicas() -> tuple[bool, str]:
    """Each read replica (DATABASE_REPLICA_URLS) answers as a replica and trails its primary
    by no more than REPLICA_MAX_LAG_SECONDS."""
    from django.conf import settings

    from shortscience.web import replicas

    said, ok = [], True
    for alias in replicas.aliases():
        try:
            seconds = replicas.lag(alias)
        except Exception as e:
            ok = False
            said.append(f"{alias}: failed ({type(e).__name__})")
            continue
        behind = seconds > settings.REPLICA_MAX_LAG_SECONDS
        ok = ok and not behind
        said.append(f"{alias}: lag {seconds:.3f} s" + (" (too far behind)" if behind else ""))
    return ok, "; ".join(said) or "none configured"


@check("cache")
def _cache() -> tuple[bool, str]:
    """The shared cache the page cache and the rate limits use: a value written is read
    back."""
    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return ok, type(cache).__name__ if ok else "a value written was not read back"


@check("katex")
def _katex() -> tuple[bool, str]:
    """The KaTeX worker typesets a formula (it is started if it is not running)."""
    from shortscience.lib import katex

    (html,) = katex.render_many([("x^2", False)])
    ok = 'class="katex"' in html
    return ok, "typesets" if ok else "answered without typesetting"


@check("tasks")
def _tasks() -> tuple[bool, str]:
    """The background worker (`send_emails --loop`) runs the tasks writes queue."""
    from shortscience.web.models import Task

    due = Task.objects.due()
    oldest = due.order_by("run_after").values_list("run_after", flat=True).first()
    count = due.count()
    if late(oldest):
        return (
            False,
            f"{count} due, the oldest since {oldest:%Y-%m-%d %H:%M} UTC: is the worker running?",
        )
    return True, f"{count} due"
