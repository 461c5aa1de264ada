"""Saving a summary of a paper that 10,000 members follow: the request, and the worker after.

    .venv/bin/python bench/fanout.py [--followers 10000] [--saves 20] [--db sqlite postgres]

For each database, a fresh one is made and migrated, then a paper with FOLLOWERS followers
(a tenth of them asking for an email per notification, the rest for the daily digest, the
default) and SAVES members who write a summary of it. The site runs under gunicorn as
served (DEBUG off, static files collected); each writer posts the editor form over HTTP, as
a browser does (session and CSRF cookies), and the time to the redirect it answers with is
measured on the client: the whole request, Markdown and math included (after each
gunicorn worker has rendered some math once: its KaTeX engine's start is not a save's
cost). Telling the
followers is the background worker's (notifications/fanout.py): `manage.py send_emails` is
run once after the first save and once after the rest, and timed as a whole command.

Results go to docs/benchmarks.md, between the fanout markers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import (  # noqa: E402
    cpu_name,
    fresh_database,
    run_on,
    served_env,
    write_section,
)
from load import start_server, stop_server  # noqa: E402

SEED = """
import json, sys, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from shortscience.notifications.models import Follow, NotificationSettings
from shortscience.test import make_paper
followers, saves = int(sys.argv[1]), int(sys.argv[2])
User = get_user_model()
paper = make_paper("A Paper Ten Thousand Readers Follow")
# Bulk inserts: 10,000 sign-ups through the site would only measure sign-up.
unusable = make_password(None)
User.objects.bulk_create(
    [User(username=f"reader{i}", email=f"reader{i}@example.org", password=unusable)
     for i in range(followers)],
    batch_size=2000,
)
readers = list(User.objects.filter(username__startswith="reader").order_by("pk"))
Follow.objects.bulk_create([Follow(user=u, paper=paper) for u in readers], batch_size=2000)
NotificationSettings.objects.bulk_create(
    [NotificationSettings(user=u, email_mode="immediate") for u in readers[::10]],
    batch_size=2000,
)
sessions = []
for i in range(saves):
    writer = User.objects.create_user(f"writer{i}", f"writer{i}@example.org")
    session = SessionStore()
    session["_auth_user_id"] = str(writer.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = writer.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
print(json.dumps({"paper": paper.pk, "sessions": sessions,
                  "followers": Follow.objects.filter(paper=paper).count()}))
"""

COUNT = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.apps import apps
from shortscience.notifications.models import Notification, OutboxEmail
tasks = 0  # a checkout from before the worker's tasks, measured for comparison, has none
if apps.is_installed("shortscience.web"):
    tasks = apps.get_model("web", "Task").objects.count()
print(json.dumps({"notifications": Notification.objects.count(),
                  "emails": OutboxEmail.objects.count(), "tasks": tasks}))
"""

BODY = (
    "The paper shows that a model trained with $\\mathcal{{L}} = \\sum_i \\ell(f(x_i), y_i)$ "
    "generalises when the margin $\\gamma > 0$ holds for writer {n}.\n\n"
    "* **Idea.** Bound the risk by $O(1/\\sqrt{{n}})$.\n"
    "* **Result.** Follows from $$\\Pr[|X - \\mu| \\ge t] \\le 2e^{{-2nt^2}}.$$\n"
)


def post(port: int, path: str, session: str, fields: dict) -> tuple[float, int]:
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    headers = {
        "Cookie": f"csrftoken={token}; sessionid={session}",
        "X-CSRFToken": token,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    connection.request("POST", path, urlencode(fields), headers)
    response = connection.getresponse()
    response.read()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, response.status


def post_summary(port: int, paper: int, session: str, n: int) -> tuple[float, int]:
    fields = {"body": BODY.format(n=n), "visibility": "public"}
    return post(port, f"/paper/{paper}/summary/edit", session, fields)


def warm_up(port: int, session: str, workers: int) -> None:
    """Each worker's first render starts its KaTeX engine (node, ~0.2 s): that is a served
    site's first minute, not a save. Previews render the same math and save nothing."""
    for n in range(8 * workers):
        _, status = post(port, "/markup/preview", session, {"text": BODY.format(n=n)})
        if status != 200:
            raise SystemExit(f"the preview answered {status} while warming up")


def timed_worker(database_url: str, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "send_emails"],
        env=dict(env, DATABASE_URL=database_url),
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-write", action="store_true", help="print results, leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ss-fanout-"))
    env = served_env(
        STATIC_ROOT=str(workdir / "static"),
        # The site's mail goes nowhere: the worker's time is the fan-out and the sending.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    os.environ.update(STATIC_ROOT=env["STATIC_ROOT"], EMAIL_BACKEND=env["EMAIL_BACKEND"])
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    rows = []
    for kind in args.db:
        url = fresh_database(kind, workdir, "ss_bench_fanout")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            env=dict(env, DATABASE_URL=url),
            cwd=ROOT,
            check=True,
        )
        seed = run_on(url, ["-c", SEED, str(args.followers), str(args.saves)], "seeding")
        cache_url = f"sqlite:///{workdir}/cache-{kind}.sqlite3"
        server = start_server(url, args.port, args.workers, cache_url)
        try:
            warm_up(args.port, seed["sessions"][-1], args.workers)
            first, status = post_summary(args.port, seed["paper"], seed["sessions"][0], 0)
            if status != 302:
                raise SystemExit(f"the editor answered {status}, not a redirect")
            worker_first = timed_worker(url, env)
            after_first = run_on(url, ["-c", COUNT], "counting")
            times = [first]
            for n, session in enumerate(seed["sessions"][1:], start=1):
                seconds, status = post_summary(args.port, seed["paper"], session, n)
                if status != 302:
                    raise SystemExit(f"the editor answered {status}, not a redirect")
                times.append(seconds)
            worker_rest = timed_worker(url, env)
            after_all = run_on(url, ["-c", COUNT], "counting")
        finally:
            stop_server(server)
        ms = sorted(1000 * t for t in times)
        row = {
            "db": kind,
            "followers": seed["followers"],
            "saves": len(ms),
            "p50_ms": statistics.median(ms),
            "p95_ms": ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)],
            "max_ms": ms[-1],
            "worker_first_s": worker_first,
            "notes_first": after_first["notifications"],
            "emails_first": after_first["emails"],
            "worker_rest_s": worker_rest,
            "notes_all": after_all["notifications"],
            "emails_all": after_all["emails"],
            "tasks_left": after_all["tasks"],
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.no_write:
        return
    lines = [
        "## Saving a summary of a much-followed paper: `bench/fanout.py`",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()}, {os.cpu_count()} cores; "
        f"gunicorn {args.workers} sync workers, DEBUG off. A paper with {args.followers:,} "
        "followers (one in ten asking for an email per notification); each save is a "
        "member's first summary of it, posted to the editor over HTTP (Markdown and math "
        "rendered in the request) and timed on the client to the redirect. Telling the "
        "followers is the worker's: `manage.py send_emails`, timed as a whole command, once "
        "after the first save and once after the others.",
        "",
        "| database | followers | saves | request p50 | p95 | max | worker after the first save | worker after the rest |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['db']} | {r['followers']:,} | {r['saves']} | {r['p50_ms']:.1f} ms | "
            f"{r['p95_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['worker_first_s']:.1f} s: "
            f"{r['notes_first']:,} notifications, {r['emails_first']:,} emails | "
            f"{r['worker_rest_s']:.1f} s: {r['notes_all'] - r['notes_first']:,} notifications, "
            f"{r['emails_all'] - r['emails_first']:,} emails, {r['tasks_left']} tasks left |"
        )
    write_section(ROOT / "docs" / "benchmarks.md", "fanout", "\n".join(lines))


if __name__ == "__main__":
    main()
