"""Throughput and latency of the main pages under gunicorn, next to a trivial Django view.

    python bench/load.py --database-url sqlite:////tmp/corpus.sqlite3 [--database-url postgres://...]

Serves the given database (build one with bench/make_corpus.py) with gunicorn, then drives
each page with wrk (Debian's package `wrk`) from 16 concurrent connections: the trivial view
(`/healthz`: the same middleware, no template, no query but the cache's version check) is the
ceiling the pages are measured against. Paper and venue requests are drawn from a Zipf law
over 2,000 distinct URLs each and search requests cycle through 2,000 distinct queries (a Lua
script rotates through the list), so the page cache sees a mix of hits and misses like a
crowd of readers would give it, not one page served from memory again and again.
Results go to docs/benchmarks.md (between the load markers) and docs/load.svg.

    python bench/load.py --database-url ... --votes-per-second 1 --votes-per-second 10 \
        [--comments-per-second 0.5]

With writes: while each page is measured (warm-up and measured run), logged-in members vote
and comment over HTTP on the same gunicorn, evenly paced at the rates asked: real POSTs to
/summary/<id>/vote and /summary/<id>/comments, with a session and a CSRF token, on the public
summaries of the papers being read, drawn by the same Zipf law (readers vote on what they
read). The members (`bench-voter-0..N-1`, joined 30 days ago so no new-account halving) are
made once per database, enough of them, taking turns, that none comes near the site's vote
or comment rate limits; a refused write (403, 429, a redirect to the log-in) stops the run.
Each vote rate (--votes-per-second may be repeated) is measured in turn with a fresh gunicorn
and page cache, the trivial view under the same writes; the results go to docs/benchmarks.md
between the load-writes markers, and the read-only table stays as it is.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Each of wrk's threads starts at its own place in the mix (thread k of n at k/n of it), as
# visitors do not move in step: two threads reading the same list in lock step asked for
# each URL twice at once, and a warm-up went through only half the mix.
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  thread:set("number", threads)
  threads = threads + 1
end
local i = nil
request = function()
  if i == nil then i = math.floor(number * #paths / %d) end
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""
WRK_THREADS = 2


PAGES = ["trivial", "home", "paper", "venue", "search"]


def sample_paths(database_url: str, n: int) -> dict[str, list]:
    """URLs to request, read from the corpus: papers with public summaries, venues, queries;
    and under "summaries", what members vote and comment on: for each paper request of the
    mix, one public summary of that paper (so the same Zipf law), none by a bench member."""
    code = f"""
import json, os, random, django
from urllib.parse import quote_plus
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.db.models import Count
from shortscience.papers.models import Paper, Venue
from shortscience.summaries.models import Summary
rng = random.Random(5)
paper_ids = list(Summary.objects.public().values_list("paper_id", flat=True).distinct()[:20000])
paper_rows = [(p.pk, p.get_absolute_url()) for p in Paper.objects.filter(pk__in=rng.sample(paper_ids, min({n}, len(paper_ids))))]
papers = [url for _, url in paper_rows]
venues = []
for key, year in Paper.objects.exclude(venue=None).values_list("venue__key", "year").distinct()[:2000]:
    venues.append(f"/venues/{{key}}?year={{year}}")
titles = list(Paper.objects.values_list("title", flat=True)[:20000])
words = [w.lower() for t in titles for w in t.split() if w.isalpha()]
queries = []
for _ in range({n}):
    k = rng.choice((1, 1, 2, 2, 3))
    queries.append("/search?q=" + quote_plus(" ".join(rng.choice(words) for _ in range(k))))
venues = rng.sample(venues, min({n}, len(venues)))
# Readers are drawn to a few papers and venues much more than to the rest: requests follow a
# Zipf law over the distinct URLs (the i-th most popular weighs 1/i), ten per URL on average.
def zipf(urls):
    return rng.choices(urls, weights=[1 / (i + 1) for i in range(len(urls))], k=10 * len(urls)) if urls else []
paper_mix = zipf(papers)
venue_mix = zipf(venues)
by_paper = {{}}
public = Summary.objects.public().filter(paper_id__in=[pk for pk, _ in paper_rows])
for pk, paper_id in public.exclude(user__username__startswith="bench-voter-").values_list("pk", "paper_id"):
    by_paper.setdefault(paper_id, []).append(pk)
by_url = {{url: sorted(by_paper.get(pk, [])) for pk, url in paper_rows}}
pick = random.Random(6)
summaries = [pick.choice(by_url[url]) for url in paper_mix if by_url[url]]
print(json.dumps({{"paper": paper_mix, "venue": venue_mix, "search": queries, "summaries": summaries}}))
"""
    from import_arxiv import run_on

    return run_on(database_url, ["-c", code], "reading the corpus' URLs")


def start_server(database_url: str, port: int, workers: int, cache_url: str) -> subprocess.Popen:
    from import_arxiv import served_env

    env = served_env(
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        STATIC_ROOT=os.environ["STATIC_ROOT"],
        ALLOWED_HOSTS="127.0.0.1",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shortscience.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


MEMBERS = """
import json, math, os, sys, django
from datetime import timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from shortscience.accounts.models import TokenBucket
from shortscience.accounts.ratelimit import POLICIES, is_new_account
from shortscience.community.models import Vote
votes, comments = float(sys.argv[1]), float(sys.argv[2])
# Each member sends at most half of a full bucket over the whole run, refill not counted:
# round-robin spreads the writes evenly, so the margin covers rounding and a member's writes
# that land close together (one slow, the next on time).
count = max(
    1,
    math.ceil(votes / (POLICIES["vote"][0] / 2)),
    math.ceil(comments / (POLICIES["comment"][0] / 2)),
)
User = get_user_model()
members = []
for i in range(count):
    name = f"bench-voter-{i}"
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User.objects.create_user(name, f"{name}@example.org")
    members.append(user)
# Joined long ago (new accounts get half the buckets), not banned, with full buckets: an
# earlier run within the hour must not have left them empty.
joined = timezone.now() - timedelta(days=max(30, settings.NEW_ACCOUNT_DAYS + 1))
User.objects.filter(pk__in=[u.pk for u in members]).update(
    date_joined=joined, is_active=True, banned_at=None
)
TokenBucket.objects.filter(
    key__in=[f"{policy}:user:{u.pk}" for u in members for policy in ("vote", "comment")]
).delete()
sessions = []
for user in members:
    user.refresh_from_db()
    assert not is_new_account(user), user
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
index = {u.pk: i for i, u in enumerate(members)}
held = Vote.objects.filter(user__in=members, summary__isnull=False)
print(json.dumps({
    "sessions": sessions,
    "votes": [[index[u], s, v] for u, s, v in held.values_list("user_id", "summary_id", "value")],
}))
"""


def setup_members(database_url: str, votes: float, comments: float) -> dict:
    """The writing members for a run of `votes` votes and `comments` comments in all: their
    logged-in session keys, and the votes they already hold (from an earlier run)."""
    from import_arxiv import run_on

    return run_on(
        database_url, ["-c", MEMBERS, str(votes), str(comments)], "making the writing members"
    )


# Each member's vote on a summary goes +1, -1, 0 (withdrawn) and round again: the counts stay
# bounded, and every vote changes something.
NEXT_VOTE = {0: 1, 1: -1, -1: 0}
COMMENT = (
    "**Bench comment {n}.** Does the result hold for *small* samples too? "
    "Section {section} suggests it, see `eq. {n}`."
)
# Refused writes: the harness is wrong (session, CSRF token, rate limits), not the site slow.
REFUSED = re.compile(r"3\d\d|401|403|429")


class WriteLog:
    """What the writes of one measured window answered, from threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seconds: list[float] = []
        self.kinds: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def add(self, kind: str, status: str, seconds: float, body: str) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.kinds[kind] += 1
            if status != "ok":
                self.errors[status] += 1
                self.samples.setdefault(status, body[:200])

    def figures(self, elapsed: float, unsent: int) -> dict:
        ordered = sorted(self.seconds)

        def percentile(q: float) -> float | None:
            if not ordered:
                return None
            return 1000 * ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

        return {
            "writes": len(ordered),
            "votes": self.kinds["vote"],
            "comments": self.kinds["comment"],
            "per_second": len(ordered) / elapsed,
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "errors": sum(self.errors.values()),
            "statuses": dict(self.errors),
            "samples": self.samples,
            "unsent": unsent,
        }


class Writers:
    """The bench members writing to the served site over HTTP, as a browser's script does:
    session and CSRF cookies, the token in X-CSRFToken, JSON asked for. Votes and comments go
    to the members in turn (round-robin, each kind on its own), on summaries drawn from the
    readers' mix; the state (whose vote is what) lasts across pages and rates."""

    def __init__(self, port: int, sessions: list[str], votes: list, summaries: list[int]):
        alphabet = string.ascii_letters + string.digits
        self.port = port
        # Django takes the unmasked 32-character secret as the cookie and as the header.
        self.members = [
            (key, "".join(secrets.choice(alphabet) for _ in range(32))) for key in sessions
        ]
        self.votes = {(m, s): v for m, s, v in votes}
        self.summaries = summaries
        self.sent: Counter[str] = Counter()
        self.rng = random.Random(9)
        self.lock = threading.Lock()

    def _next(self, kind: str) -> tuple[int, str, dict]:
        with self.lock:
            n = self.sent[kind]
            self.sent[kind] += 1
            member = n % len(self.members)
            summary = self.rng.choice(self.summaries)
            if kind == "vote":
                value = NEXT_VOTE[self.votes.get((member, summary), 0)]
                self.votes[(member, summary)] = value
                return member, f"/summary/{summary}/vote", {"value": value}
            body = COMMENT.format(n=n, section=n % 7 + 1)
            return member, f"/summary/{summary}/comments", {"body": body}

    def _post(self, kind: str, log: WriteLog) -> None:
        member, path, fields = self._next(kind)
        session, token = self.members[member]
        headers = {
            "Cookie": f"csrftoken={token}; sessionid={session}",
            "X-CSRFToken": token,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            connection.request("POST", path, urlencode(fields), headers)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            status = str(response.status)
            if 200 <= response.status < 300:
                try:
                    answered = json.loads(body).get("ok") is True
                except ValueError:
                    answered = False
                status = "ok" if answered else f"{status} without ok"
        except (OSError, http.client.HTTPException) as e:
            status, body = type(e).__name__, str(e)
        finally:
            connection.close()
        log.add(kind, status, time.perf_counter() - start, body)

    def during(self, run, votes_per_second: float, comments_per_second: float):
        """Call run() (a wrk run) while writing at those rates; its result and the writes'
        figures (None when there are no writes)."""
        rates = {
            kind: rate
            for kind, rate in (("vote", votes_per_second), ("comment", comments_per_second))
            if rate > 0
        }
        if not rates:
            return run(), None
        log = WriteLog()
        # Enough threads for writes of up to two seconds each at the rate asked: a slow write
        # holds a thread, not the schedule. A write still queued at the end is not sent.
        pool = ThreadPoolExecutor(max(8, math.ceil(2 * sum(rates.values()))))
        stop = threading.Event()
        futures = []

        def pace(kind: str, rate: float) -> None:
            # The k-th write is due in the middle of the k-th interval of 1/rate seconds: even,
            # T seconds carry T * rate writes, and a late thread catches up instead of
            # shifting every later write.
            start = time.monotonic()
            for k in itertools.count():
                if stop.wait(max(0.0, start + (k + 0.5) / rate - time.monotonic())):
                    return
                futures.append(pool.submit(self._post, kind, log))

        schedulers = [
            threading.Thread(target=pace, args=item, daemon=True) for item in rates.items()
        ]
        started = time.monotonic()
        for scheduler in schedulers:
            scheduler.start()
        try:
            result = run()
        finally:
            stop.set()
            elapsed = time.monotonic() - started
            for scheduler in schedulers:
                scheduler.join()
            pool.shutdown(wait=True, cancel_futures=True)
        unsent = sum(f.cancelled() for f in futures)
        for future in futures:
            if not future.cancelled():
                future.result()  # a bug in the writer stops the run instead of going unseen
        return result, log.figures(elapsed, unsent)


def write_problems(where: str, phase: str, figures: dict | None) -> bool:
    """Say loudly, on stderr, which writes failed; True when some were refused (the harness
    is at fault, the numbers do not measure the writes asked)."""
    if not figures or not (figures["errors"] or figures["unsent"]):
        return False
    lines = [f"!! {where} ({phase}): {figures['errors']} of {figures['writes']} writes failed"]
    for status, count in sorted(figures["statuses"].items()):
        lines.append(f"!!   {status} x{count}: {figures['samples'][status]!r}")
    if figures["unsent"]:
        lines.append(f"!!   {figures['unsent']} writes never sent: every writer thread was busy")
    print("\n".join(lines), file=sys.stderr, flush=True)
    return any(REFUSED.fullmatch(status) for status in figures["statuses"])


def load_label(votes_per_second: float, comments_per_second: float) -> str:
    parts = [f"{votes_per_second:g} votes/s"] if votes_per_second else []
    if comments_per_second:
        parts.append(f"{comments_per_second:g} comments/s")
    return " + ".join(parts) or "none"


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(
    url: str, paths: list[str] | None, seconds: int, connections: int, workdir: Path
) -> dict:
    cmd = ["wrk", "--latency", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{seconds}s"]
    if paths:
        listing = workdir / f"paths-{random.random():.6f}.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = workdir / "rotate.lua"
        script.write_text(LUA % (listing, WRK_THREADS))
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {
        int(p): _seconds(v) * 1000 for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rate,
        "p50_ms": latency[50],
        "p99_ms": latency[99],
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def bar_chart(results: dict[str, dict[str, dict]], path: Path) -> None:
    """A small SVG bar chart of requests/s per page and database; no plotting library."""
    pages = list(next(iter(results.values())).keys())
    dbs = list(results)
    top = max(r["rps"] for per_db in results.values() for r in per_db.values()) or 1
    width, bar, gap, left, height = 640, 22, 14, 90, 200
    colors = ["#3b6ea8", "#c0392b", "#27ae60"]
    rows = []
    y = 30
    for page in pages:
        rows.append(f'<text x="{left - 8}" y="{y + bar}" text-anchor="end">{page}</text>')
        for i, db in enumerate(dbs):
            rps = results[db][page]["rps"]
            w = (width - left - 80) * rps / top
            rows.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 4}" fill="{colors[i % 3]}"/>'
                f'<text x="{left + w + 4:.1f}" y="{y + bar - 8}">{rps:,.0f}/s</text>'
            )
            y += bar
        y += gap
    legend = "".join(
        f'<rect x="{left + 120 * i}" y="6" width="12" height="12" fill="{colors[i % 3]}"/>'
        f'<text x="{left + 16 + 120 * i}" y="17">{db}</text>'
        for i, db in enumerate(dbs)
    )
    height = y + 10
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">'
        f'<rect width="100%" height="100%" fill="white"/>{legend}{"".join(rows)}</svg>\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", action="append", required=True, help="a corpus database (repeatable)"
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--paths", type=int, default=2000, help="distinct URLs per page kind")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--warmup",
        type=int,
        # Long enough to render the mix once: 2,000 paper pages at 15-25 ms each on
        # PostgreSQL take ~20 s of two cores. With 10 s the measured run was still filling
        # the cache on PostgreSQL (read-only paper page 68-88% of trivial, 84-93% after 30).
        default=30,
        help="seconds of the same requests before measuring",
    )
    parser.add_argument(
        "--shared-cache",
        default="redis://127.0.0.1:6379/14",
        help="CACHE_URL for PostgreSQL runs (the several-servers set-up); SQLite runs use the "
        "default, a cache file shared by the machine's workers",
    )
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=PAGES,
        default=PAGES,
        help="pages to measure (the trivial view always is: it is the ceiling)",
    )
    parser.add_argument("--no-write", action="store_true", help="print; leave docs/ alone")
    parser.add_argument(
        "--votes-per-second",
        type=float,
        action="append",
        help="votes members send over HTTP while each page is measured (default 0); "
        "repeatable: each rate is measured in turn, with a fresh gunicorn",
    )
    parser.add_argument(
        "--comments-per-second",
        type=float,
        default=0,
        help="comments members post while each page is measured, at every vote rate",
    )
    args = parser.parse_args()
    if set(args.pages) != set(PAGES) and not args.no_write:
        parser.error("docs/benchmarks.md shows every page: measure a few with --no-write")
    loads = [(votes, args.comments_per_second) for votes in args.votes_per_second or [0.0]]
    if any(rate < 0 for load in loads for rate in load):
        parser.error("write rates cannot be negative")
    writing = any(votes or comments for votes, comments in loads)
    label_width = max(len(load_label(*load)) for load in loads)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    pages = [page for page in PAGES if page == "trivial" or page in args.pages]
    workdir = Path(tempfile.mkdtemp(prefix="ss-load-"))
    from import_arxiv import served_env

    # As on a served site: DEBUG off, static files collected (hashed names, WhiteNoise).
    os.environ["STATIC_ROOT"] = str(workdir / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=served_env(),
        cwd=ROOT,
        check=True,
    )
    # (database, (votes/s, comments/s)) -> page -> figures; read-only: one load per database.
    results: dict[tuple[str, tuple[float, float]], dict[str, dict]] = {}
    members = 0
    base = f"http://127.0.0.1:{args.port}"
    for url in args.database_url:
        db = "postgresql" if url.startswith("postgres") else "sqlite"
        paths = sample_paths(url, args.paths)
        writers = None
        if writing:
            if not paths["summaries"]:
                raise SystemExit(f"{db}: no public summary of the papers read to vote on")
            # Every page of every load writes through its warm-up and its measured run.
            window = len(pages) * (args.warmup + args.seconds)
            made = setup_members(
                url,
                votes=sum(votes for votes, _ in loads) * window,
                comments=sum(comments for _, comments in loads) * window,
            )
            members = len(made["sessions"])
            writers = Writers(args.port, made["sessions"], made["votes"], paths["summaries"])
            print(
                f"{db}: {members} members (bench-voter-0..{members - 1}) write on "
                f"{len(set(paths['summaries'])):,} summaries",
                flush=True,
            )
        for i, (votes, comments) in enumerate(loads):
            label = load_label(votes, comments)
            # SQLite: the one-machine default, a cache file shared by the workers (a fresh one
            # for each load, as a fresh gunicorn: every write rate starts from the same place).
            cache_url = (
                args.shared_cache
                if db == "postgresql"
                else f"sqlite:///{workdir}/cache-{db}-{i}.sqlite3"
            )
            if cache_url.startswith("redis"):
                import redis

                redis.Redis.from_url(cache_url).flushdb()
            server = start_server(url, args.port, args.workers, cache_url)
            try:
                per_page = {}
                for page in pages:
                    page_paths = paths.get(page)
                    target = base + ("/healthz" if page == "trivial" else "/")

                    def wrk(seconds: int, target=target, page_paths=page_paths) -> dict:
                        return run_wrk(target, page_paths, seconds, args.connections, workdir)

                    # A warm-up: imports, connections, the first cache fills (and writes).
                    if writers:
                        _, warm = writers.during(lambda: wrk(args.warmup), votes, comments)
                        r, wrote = writers.during(lambda: wrk(args.seconds), votes, comments)
                    else:
                        wrk(args.warmup)
                        r, warm, wrote = wrk(args.seconds), None, None
                    per_page[page] = dict(r, writes=wrote)
                    line = (
                        f"{db:10} {page:8} {r['rps']:8,.0f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                        f"p99 {r['p99_ms']:7.1f} ms  non-2xx {r['non_2xx']}"
                    )
                    if writing:
                        line = f"{db:10} {label:>{label_width}}  " + line[11:]
                    if wrote:
                        line += (
                            f"  | writes {wrote['writes']} ({wrote['per_second']:.2f}/s of "
                            f"{votes + comments:g})  p50 {_ms(wrote['p50_ms'])} ms  "
                            f"p99 {_ms(wrote['p99_ms'])} ms  errors {wrote['errors']}"
                        )
                    print(line, flush=True)
                    where = f"{db} {label} {page}"
                    refused = write_problems(where, "warm-up", warm)
                    refused = write_problems(where, "measured run", wrote) or refused
                    if refused:
                        raise SystemExit(
                            f"writes were refused on {where} (see above): the site did not "
                            "take the write load asked, so these numbers do not measure it"
                        )
                results[(db, (votes, comments))] = per_page
            finally:
                stop_server(server)
    if args.no_write:
        return
    from import_arxiv import cpu_name, write_section

    cpu = cpu_name()
    setup = (
        f"gunicorn {args.workers} sync workers, {args.connections} connections, {args.seconds} s per page "
        f"after a {args.warmup} s warm-up; paper and venue requests follow a Zipf law over {args.paths:,} distinct URLs each, search requests are {args.paths:,} distinct queries (1-3 title words) in turn; each of wrk's {WRK_THREADS} threads starts at its own place in the mix. "
        "`trivial` is `/healthz` through the same middleware (the ceiling). Page cache: a SQLite file shared by the workers "
        "on SQLite (the one-machine default), Redis on PostgreSQL (the several-servers set-up); in front of either, each worker keeps the pages it served last in memory (`PAGE_CACHE_LOCAL_BYTES`, 16 MiB)."
    )
    if writing:
        write_section(
            ROOT / "docs" / "benchmarks.md",
            "load-writes",
            writes_table(results, cpu, setup, members),
        )
    # The read-only table: from a run without writes, or from the read-only load (a rate of
    # 0) of a run that measured several.
    by_db = {db: per_page for (db, load), per_page in results.items() if load == (0.0, 0.0)}
    if not by_db:
        return
    lines = [
        "## Pages under load: gunicorn + wrk",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu}, {os.cpu_count()} cores (wrk runs on the same cores); {setup}",
        "",
        "| database | page | req/s | % of trivial | p50 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for db, per_page in by_db.items():
        ceiling = per_page["trivial"]["rps"]
        for page, r in per_page.items():
            lines.append(
                f"| {db} | {page} | {r['rps']:,.0f} | {100 * r['rps'] / ceiling:.0f}% | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} |"
            )
    lines += ["", "![requests per second by page](load.svg)"]
    bar_chart(by_db, ROOT / "docs" / "load.svg")
    write_section(ROOT / "docs" / "benchmarks.md", "load", "\n".join(lines))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def writes_table(results: dict, cpu: str, setup: str, members: int) -> str:
    lines = [
        "## Pages under load with writes: members voting and commenting over HTTP",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu}, {os.cpu_count()} cores (wrk and the writers run on the same cores); {setup}",
        "",
        f"While wrk reads, logged-in members ({members} of them, `bench-voter-*`, taking turns so that none comes near the vote or comment rate limits) "
        "send real POSTs to the same gunicorn, evenly paced at the rate asked: votes (`/summary/<id>/vote`, each member's vote on a summary going +1, -1, 0 in turn) "
        "and comments (`/summary/<id>/comments`), on public summaries of the papers read, drawn by the same Zipf law. "
        "Each rate runs on a fresh gunicorn and page cache, writing through every page's warm-up and measured run; `% of trivial` is against the trivial view "
        "measured under the same writes. `writes/s` is what was achieved in the measured run, write latencies are the POSTs' own, `write errors` counts non-2xx answers.",
        "",
        "| database | writes asked | page | req/s | % of trivial | p50 ms | p99 ms | non-2xx | writes/s | write p50 ms | write p99 ms | write errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (db, load), per_page in results.items():
        ceiling = per_page["trivial"]["rps"]
        for page, r in per_page.items():
            w = r["writes"]
            written = (
                f"{w['per_second']:.2f} | {_ms(w['p50_ms'])} | {_ms(w['p99_ms'])} | {w['errors']}"
                if w
                else "- | - | - | -"
            )
            lines.append(
                f"| {db} | {load_label(*load)} | {page} | {r['rps']:,.0f} | {100 * r['rps'] / ceiling:.0f}% | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} | {written} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
