"""What texts that would take too long to typeset cost the site, with the markup budget and
the render limits (lib/markup/budget.py, accounts/ratelimit.py).

    .venv/bin/python bench/render_budget.py [--seconds 20] [--workers 5] [--no-write]

A fresh SQLite database with the demo library (`load_demo`) is served by gunicorn as a site
is (DEBUG off, static files collected), and:

(a) each hostile preview of issue 15 (100 KB of "![", "[^", "[", "*a" or "$x", 1.0 to 3.4 s
    of CPU each without a budget) is posted to /markup/preview by a logged-in member, as the
    editor does, and timed on the client: each must be refused (400, with the reason) in
    under 300 ms. A typical summary and two legitimate 100 KB ones (typical_summary() and
    formula_heavy_summary() repeated) are timed alongside: they must render (200).
(b) a paper page is read at a steady rate (--rate a second, by a process of its own: each
    request sent when due whatever became of the ones before, its latency counted from
    then; readers arrive so, and a closed loop such as wrk's at full speed would show an
    attack as fewer requests a second rather than as slower ones), quiet, then while two
    other members (--attackers) each post the hostile previews in a loop, the next as soon
    as the last is answered (refused, or 429 once their buckets are spent). Twice under
    attack: from its start, while the attackers' buckets are full, and once all of them are
    refused with 429 (what an attack settles to).

Each member posts from buckets of their own (a fresh account each), and every gunicorn
worker has rendered math once before anything is timed (its KaTeX engine's start is a
served site's first minute, not a preview's cost). --budget sets the server's
MARKUP_BUDGET_SECONDS, for a comparison. The reader, the loops and the server share the
machine's cores, with whatever else runs there: the numbers are noisy, the ratios less so.
Results go to docs/benchmarks.md, between the render-budget markers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

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

from shortscience.lib.tests.markup_samples import (  # noqa: E402
    formula_heavy_summary,
    typical_summary,
)


def _100_kb(text: str) -> str:
    return (text * (100_000 // len(text) + 1))[:100_000]


HOSTILE = {
    '"![" x 50,000': "![" * 50_000,
    '"[^" x 50,000': "[^" * 50_000,
    '"[" x 100,000': "[" * 100_000,
    '"*a" x 50,000': "*a" * 50_000,
    '"$x" x 50,000': "$x" * 50_000,
}
LEGITIMATE = {
    "typical summary (3.6 KB, 9 formulas)": typical_summary(),
    "typical summary x28 (100 KB, ~250 formulas)": _100_kb(typical_summary()),
    "formula-heavy summary (100 KB, ~1,200 formulas)": _100_kb(formula_heavy_summary(50)),
}
LIMIT_MS = 300

SEED = """
import json, os, sys, django
from datetime import timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from shortscience.summaries.models import Summary
names = sys.argv[1:]
User = get_user_model()
sessions = {}
for name in names:
    user = User.objects.create_user(name, f"{name}@example.org")
    # Joined long ago: nothing here depends on an account's age.
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=365))
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    sessions[name] = session.session_key
from shortscience.accounts.ratelimit import POLICIES
summary = Summary.objects.public().select_related("paper").order_by("pk").first()
print(json.dumps({
    "sessions": sessions,
    "page": summary.paper.get_absolute_url(),
    # .get: so that the same bench measures a checkout from before there were any.
    "budget": getattr(settings, "MARKUP_BUDGET_SECONDS", None),
    "preview": POLICIES["preview"],
    "render": POLICIES.get("render"),
}))
"""


class Member:
    """A logged-in member posting as the editor does: session and CSRF cookies, the token
    in X-CSRFToken."""

    def __init__(self, port: int, session: str):
        self.port = port
        token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.headers = {
            "Cookie": f"csrftoken={token}; sessionid={session}",
            "X-CSRFToken": token,
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def preview(self, body: bytes) -> tuple[float, int, str]:
        """(seconds, status, the answer's first words) of one preview; `body` urlencoded."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        start = time.perf_counter()
        try:
            connection.request("POST", "/markup/preview", body, self.headers)
            response = connection.getresponse()
            text = response.read()[:300].decode("utf-8", "replace")
            return time.perf_counter() - start, response.status, text
        finally:
            connection.close()


def form(text: str) -> bytes:
    return urlencode({"text": text, "paper": ""}).encode()


class Attack:
    """Members posting the hostile previews in turn, each the next as soon as the last is
    answered, until stopped; what they were answered, per window."""

    def __init__(self, members: list[Member]):
        self.members = members
        self.bodies = [form(text) for text in HOSTILE.values()]
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.seconds: list[float] = []
        self.limited: set[int] = set()  # members answered 429 at least once
        self.threads = [
            threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(len(members))
        ]

    def _loop(self, i: int) -> None:
        n = 0
        while not self.stop.is_set():
            seconds, status, _ = self.members[i].preview(self.bodies[n % len(self.bodies)])
            n += 1
            with self.lock:
                self.statuses[status] += 1
                self.seconds.append(seconds)
                if status == 429:
                    self.limited.add(i)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def window(self) -> tuple[Counter[int], float]:
        """What was answered since the last call, and the median time to the answer."""
        with self.lock:
            seen, self.statuses = self.statuses, Counter()
            seconds, self.seconds = self.seconds, []
        return seen, statistics.median(seconds) if seconds else 0.0

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def server_cpu(pgid: int) -> float:
    """CPU seconds used so far by the server's processes (gunicorn, its workers, their
    KaTeX node processes): everything in its process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        # After the name: state ppid pgrp session ... utime (14th field) stime (15th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def read(url: str, rate: float, seconds: float) -> dict:
    """GET `url` `rate` times a second for `seconds`, each request when due (an open loop):
    the percentiles of the latencies, counted from when each request was due."""
    parts = urlsplit(url)
    latencies: list[float] = []
    failures: Counter[str] = Counter()

    def get(due: float) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            connection.request("GET", parts.path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures[str(response.status)] += 1
        except (OSError, http.client.HTTPException) as e:
            failures[type(e).__name__] += 1
        finally:
            connection.close()
        latencies.append(time.perf_counter() - due)

    start = time.perf_counter() + 0.1
    with ThreadPoolExecutor(32) as pool:
        for k in range(int(rate * seconds)):
            due = start + k / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(get, due)
    ordered = sorted(latencies)

    def percentile(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    return {
        "requests": len(ordered),
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "failures": dict(failures),
    }


def run_reader(url: str, rate: float, seconds: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--read", url, "--rate", str(rate), "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measured(label: str, url: str, args, pgid: int, attack: Attack | None = None) -> dict:
    cpu = server_cpu(pgid)
    result = run_reader(url, args.rate, args.seconds)
    result["server_cores"] = (server_cpu(pgid) - cpu) / args.seconds
    seen, seconds = attack.window() if attack else ({}, 0.0)
    result["attack"], result["attack_ms"] = dict(seen), 1000 * seconds
    if result["failures"]:
        print(f"!! {label}: the page answered {result['failures']}", file=sys.stderr)
    print(
        f"{label:30} p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  "
        f"p99 {result['p99_ms']:6.1f} ms  server {result['server_cores']:.2f} cores  "
        f"attackers answered {result['attack'] or '-'} (median {result['attack_ms']:.0f} ms)",
        flush=True,
    )
    return result


def time_previews(member_for, texts: dict[str, str], runs: int) -> list[dict]:
    rows = []
    for label, text in texts.items():
        member = member_for(label)
        body = form(text)
        answers = [member.preview(body) for _ in range(runs)]
        ms = [1000 * seconds for seconds, _, _ in answers]
        row = {
            "label": label,
            "chars": len(text),
            "statuses": sorted({status for _, status, _ in answers}),
            "median_ms": statistics.median(ms),
            "max_ms": max(ms),
            "answer": answers[-1][2],
        }
        rows.append(row)
        print(
            f"{label:48} {'/'.join(map(str, row['statuses']))}  median {row['median_ms']:6.1f} ms"
            f"  max {row['max_ms']:6.1f} ms  {row['answer'][:60]!r}",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=20, help="per measured window")
    parser.add_argument("--rate", type=float, default=50, help="page reads a second")
    parser.add_argument(
        "--attackers", type=int, default=2, help="members posting hostile previews in loops"
    )
    parser.add_argument("--budget", type=float, help="MARKUP_BUDGET_SECONDS of the server")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--runs", type=int, default=5, help="previews of each text in (a)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--no-write", action="store_true", help="print; leave docs/ alone")
    parser.add_argument("--read", help=argparse.SUPPRESS)  # the reader's own process
    args = parser.parse_args()
    if args.read:
        print(json.dumps(read(args.read, args.rate, args.seconds)))
        return
    if args.budget is not None:
        os.environ["MARKUP_BUDGET_SECONDS"] = str(args.budget)  # the server's and the seed's

    workdir = Path(tempfile.mkdtemp(prefix="ss-render-budget-"))
    env = served_env(
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(workdir / "static"),
    )
    os.environ["STATIC_ROOT"] = env["STATIC_ROOT"]  # start_server passes it on
    url = fresh_database("sqlite", workdir, "render-budget")
    for command in (["collectstatic", "--noinput"], ["migrate", "--noinput"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"],
            env=dict(env, DATABASE_URL=url),
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    texts = {**HOSTILE, **LEGITIMATE}
    attackers = [f"bench-attacker-{i}" for i in range(args.attackers)]
    names = ["bench-warm-up", *attackers]
    names += [f"bench-writer-{i}" for i in range(len(texts))]
    seed = run_on(url, ["-c", SEED, *names], "making the members")
    sessions = seed["sessions"]

    server = start_server(url, args.port, args.workers, f"sqlite:///{workdir}/cache.sqlite3")
    try:
        member = {name: Member(args.port, session) for name, session in sessions.items()}
        # Each worker's first render starts its KaTeX engine: the requests go to the workers
        # in turn as they come free, so a few per worker reach them all.
        warm = form(typical_summary())
        for _ in range(6 * args.workers):
            _, status, text = member["bench-warm-up"].preview(warm)
            if status != 200:
                raise SystemExit(f"the preview answered {status} while warming up: {text}")

        print("(a) each text posted to /markup/preview by a member of its own", flush=True)
        writers = {label: member[f"bench-writer-{i}"] for i, label in enumerate(texts)}
        hostile = time_previews(writers.__getitem__, HOSTILE, args.runs)
        legitimate = time_previews(writers.__getitem__, LEGITIMATE, 3)
        for row in hostile:
            if row["statuses"] != [400] or row["max_ms"] >= LIMIT_MS:
                print(f"!! {row['label']}: not refused within {LIMIT_MS} ms", file=sys.stderr)
        for row in legitimate:
            if row["statuses"] != [200]:
                print(f"!! {row['label']}: not rendered", file=sys.stderr)

        print(
            f"(b) {seed['page']} read {args.rate:g} times a second, {args.seconds} s a window",
            flush=True,
        )
        page = f"http://127.0.0.1:{args.port}{seed['page']}"
        run_reader(page, args.rate, 5)  # warm-up: the page in every worker's cache
        quiet = measured("quiet", page, args, server.pid)
        attack = Attack([member[name] for name in attackers])
        attack.start()
        try:
            burst = measured("attack, from its start", page, args, server.pid, attack)
            # Settled: every attacker is being refused with 429 (their buckets spent).
            deadline = time.monotonic() + 120
            while len(attack.limited) < args.attackers and time.monotonic() < deadline:
                time.sleep(0.5)
            attack.window()
            settled = measured("attack, buckets spent", page, args, server.pid, attack)
        finally:
            attack.finish()
    finally:
        stop_server(server)

    for label, r in (("from the start", burst), ("buckets spent", settled)):
        print(
            f"p95 quiet {quiet['p95_ms']:.1f} ms, under attack ({label}) {r['p95_ms']:.1f} ms: "
            f"{r['p95_ms'] / quiet['p95_ms']:.2f}x (target: within 2x)"
        )
    if args.no_write:
        return
    write_section(
        ROOT / "docs" / "benchmarks.md",
        "render-budget",
        report(args, seed, hostile, legitimate, quiet, burst, settled),
    )


def _statuses(seen: dict) -> str:
    return ", ".join(f"{n:,} × {status}" for status, n in sorted(seen.items())) or "-"


def report(args, seed, hostile, legitimate, quiet, burst, settled) -> str:
    preview, render, page = seed["preview"], seed["render"], seed["page"]
    lines = [
        "## Texts too costly to typeset: `bench/render_budget.py`",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()}, {os.cpu_count()} cores shared "
        f"with other work (the numbers are noisy); gunicorn {args.workers} sync workers, DEBUG "
        f"off, SQLite with the demo library. Markup budget {seed['budget']:g} s of CPU a text "
        f"(`MARKUP_BUDGET_SECONDS`); previews {preview[0]} per {preview[1]} s a member; "
        f"rendering {render[0]} s of CPU per {render[1]} s a member.",
        "",
        "(a) Each text posted to `/markup/preview` by a logged-in member (a fresh account "
        f"each), timed on the client; {args.runs} runs of each hostile text, 3 of the others.",
        "",
        "| text | answer | median | max |",
        "|---|---|---|---|",
    ]
    for row in hostile + legitimate:
        answer = "/".join(map(str, row["statuses"]))
        answer += " refused" if row["statuses"] == [400] else " rendered"
        lines.append(
            f"| {row['label']} | {answer} | {row['median_ms']:.0f} ms | {row['max_ms']:.0f} ms |"
        )
    lines += [
        "",
        f"(b) A paper page (`{page}`, from the page cache) read {args.rate:g} times a second "
        f"for {args.seconds} s a window, each request when due (an open loop, latency counted "
        f"from then): quiet, then while {args.attackers} members each post the hostile previews "
        "above in a loop, each as soon as the last is answered: from the attack's start (their "
        "buckets full), and once all are refused with 429 (what the attack settles to). Server "
        "CPU counts gunicorn, its workers and their KaTeX processes.",
        "",
        "| window | p50 | p95 | p95 vs quiet | p99 | server CPU | attackers answered (median time) |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = [
        "",
        "An attacker in a loop always has a request in flight, so each keeps about a core busy "
        "whatever a request costs; what the budget and the limits change is how long each "
        "request holds a sync worker: the refusal's time in (a), then a 429's (answered from "
        "the buckets before the CSRF check would parse the 300 KB body: "
        "accounts/middleware.py). The readers of a cached page feel the busy cores, not the "
        "held workers, while there are fewer attackers than workers; with two attackers on "
        "two cores the page's p95 stays near 2x of quiet, over or under it from run to run.",
    ]
    for label, r in (
        ("quiet", quiet),
        ("attack, from its start", burst),
        ("attack, buckets spent", settled),
    ):
        attackers = _statuses(r["attack"])
        if r["attack"]:
            attackers += f" ({r['attack_ms']:.0f} ms)"
        lines.append(
            f"| {label} | {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | "
            f"{r['p95_ms'] / quiet['p95_ms']:.2f}x | {r['p99_ms']:.1f} ms | "
            f"{r['server_cores']:.2f} cores | {attackers} |"
        )
    return "\n".join(lines + notes)


if __name__ == "__main__":
    main()
