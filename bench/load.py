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
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


PAGES = ["trivial", "home", "paper", "venue", "search"]


def sample_paths(database_url: str, n: int) -> dict[str, list[str]]:
    """URLs to request, read from the corpus: papers with public summaries, venues, queries."""
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
papers = [p.get_absolute_url() for p in Paper.objects.filter(pk__in=rng.sample(paper_ids, min({n}, len(paper_ids))))]
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
print(json.dumps({{"paper": zipf(papers), "venue": zipf(venues), "search": queries}}))
"""
    from import_arxiv import run_on

    return run_on(database_url, ["-c", code], "reading the corpus' URLs")


def start_server(database_url: str, port: int, workers: int, cache_url: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        STATIC_ROOT=os.environ["STATIC_ROOT"],
        DEBUG="0",
        SECRET_KEY="benchmark-only",
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


BUMPER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from shortscience.front.models import ContentVersion
while True:
    ContentVersion.bump()
    time.sleep(float(sys.argv[1]))
"""


def start_bumper(database_url: str, every: float) -> subprocess.Popen:
    """A writer: what any write does to the page cache (a new content version), every
    `every` seconds, so the pages are measured as a site with that many writes sees them."""
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="0", SECRET_KEY="benchmark-only")
    return subprocess.Popen(
        [sys.executable, "-c", BUMPER, str(every)], env=env, cwd=ROOT, start_new_session=True
    )


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(
    url: str, paths: list[str] | None, seconds: int, connections: int, workdir: Path
) -> dict:
    cmd = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    if paths:
        listing = workdir / f"paths-{random.random():.6f}.txt"
        listing.write_text("\n".join(paths) + "\n")
        script = workdir / "rotate.lua"
        script.write_text(LUA % listing)
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
        "--warmup", type=int, default=10, help="seconds of the same requests before measuring"
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
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--bump-every",
        type=float,
        default=0,
        help="seconds between writes (each empties the page cache, as any write does); "
        "0 for none. Needs --no-write: docs/benchmarks.md shows the read-only mix",
    )
    args = parser.parse_args()
    if set(args.pages) != set(PAGES) and not args.no_write:
        parser.error("docs/benchmarks.md shows every page: measure a few with --no-write")
    if args.bump_every and not args.no_write:
        parser.error("--bump-every needs --no-write")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="ss-load-"))
    # As on a served site: DEBUG off, static files collected (hashed names, WhiteNoise).
    os.environ["STATIC_ROOT"] = str(workdir / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=dict(os.environ, DEBUG="0", SECRET_KEY="benchmark-only"),
        cwd=ROOT,
        check=True,
    )
    results: dict[str, dict[str, dict]] = {}
    base = f"http://127.0.0.1:{args.port}"
    for url in args.database_url:
        db = "postgresql" if url.startswith("postgres") else "sqlite"
        paths = sample_paths(url, args.paths)
        # SQLite: the one-machine default, a cache file shared by the workers (a fresh one).
        cache_url = (
            args.shared_cache if db == "postgresql" else f"sqlite:///{workdir}/cache-{db}.sqlite3"
        )
        if cache_url.startswith("redis"):
            import redis

            redis.Redis.from_url(cache_url).flushdb()
        server = start_server(url, args.port, args.workers, cache_url)
        bumper = start_bumper(url, args.bump_every) if args.bump_every else None
        try:
            per_page = {}
            for page in PAGES:
                if page != "trivial" and page not in args.pages:
                    continue
                page_paths = paths.get(page)
                target = base + ("/healthz" if page == "trivial" else "/")
                # A warm-up: imports, connections, the first cache fills.
                run_wrk(target, page_paths, args.warmup, args.connections, workdir)
                per_page[page] = run_wrk(
                    target, page_paths, args.seconds, args.connections, workdir
                )
                r = per_page[page]
                print(
                    f"{db:10} {page:8} {r['rps']:8,.0f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                    f"p99 {r['p99_ms']:7.1f} ms  non-2xx {r['non_2xx']}",
                    flush=True,
                )
            results[db] = per_page
        finally:
            if bumper:
                stop_server(bumper)
            stop_server(server)
    if args.no_write:
        return
    from import_arxiv import cpu_name, write_section

    cpu = cpu_name()
    lines = [
        "## Pages under load: gunicorn + wrk",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu}, {os.cpu_count()} cores (wrk runs on the same cores); "
        f"gunicorn {args.workers} sync workers, {args.connections} connections, {args.seconds} s per page "
        f"after a {args.warmup} s warm-up; paper and venue requests follow a Zipf law over {args.paths:,} distinct URLs each, search requests are {args.paths:,} distinct queries (1-3 title words) in turn. "
        "`trivial` is `/healthz` through the same middleware (the ceiling). Page cache: a SQLite file shared by the workers "
        "on SQLite (the one-machine default), Redis on PostgreSQL (the several-servers set-up); in front of either, each worker keeps the pages it served last in memory (`PAGE_CACHE_LOCAL_BYTES`, 16 MiB).",
        "",
        "| database | page | req/s | % of trivial | p50 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|---|",
    ]
    for db, per_page in results.items():
        ceiling = per_page["trivial"]["rps"]
        for page, r in per_page.items():
            lines.append(
                f"| {db} | {page} | {r['rps']:,.0f} | {100 * r['rps'] / ceiling:.0f}% | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} |"
            )
    lines += ["", "![requests per second by page](load.svg)"]
    bar_chart(results, ROOT / "docs" / "load.svg")
    write_section(ROOT / "docs" / "benchmarks.md", "load", "\n".join(lines))


if __name__ == "__main__":
    main()
