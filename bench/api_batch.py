"""The API's batch look-up at scale: POST /api/v1/papers/batch with 500 mixed identifiers.

    .venv/bin/python bench/api_batch.py --database-url sqlite:///$PWD/var/bench/search-1000000.sqlite3 \
        --database-url postgres://postgres@127.0.0.1:5432/ss_bench_search [--rounds 30]

On a corpus from bench/make_corpus.py: each round asks for 500 identifiers in the forms
scripts send them (arXiv ids with and without version or prefix, arXiv URLs, this site's
ids, unknown arXiv ids and DOIs: a fifth of them unknown), drawn afresh, through Django's
test client in one process (the whole request: middleware, the endpoint, JSON), after two
warm-up rounds. Server-side time, p50 and p95; results to docs/benchmarks.md ("api-batch").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import cpu_name, run_on, write_section  # noqa: E402

CHILD = r"""
import json, os, random, statistics, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.test import Client
from shortscience.papers.models import PaperIdentifier
rounds = int(sys.argv[1])
rng = random.Random(7)
arxiv = list(PaperIdentifier.objects.filter(kind="arxiv").order_by("?").values_list("value", "paper_id")[:20000])
def key(value, paper_id):
    form = rng.randrange(6)
    if form == 0: return value
    if form == 1: return f"{value}v{rng.randint(1, 4)}"
    if form == 2: return f"arXiv:{value}"
    if form == 3: return f"https://arxiv.org/abs/{value}"
    if form == 4: return str(paper_id)
    return f"https://arxiv.org/pdf/{value}v2"
def ids():
    known = [key(*rng.choice(arxiv)) for _ in range(400)]
    unknown = [f"2912.{rng.randint(0, 99999):05d}" for _ in range(50)] + [f"10.9999/nothing.{n}" for n in range(50)]
    out = known + unknown
    rng.shuffle(out)
    return out
# The library in the operating system's memory, as on a server that has been answering
# for a while: 500 random papers touch pages all over a 9 GB table, and a cold disk read
# per page measures the disk, not the site. SQLite: the file read once; PostgreSQL: the
# tables and indexes the look-up reads, through pg_prewarm (PostgreSQL's contrib), into
# PostgreSQL's own buffers as far as shared_buffers holds them (the rest stays in the
# OS's cache, each page a system call away).
def warm():
    from django.db import connection
    if connection.vendor == "sqlite":
        with open(connection.settings_dict["NAME"], "rb") as f:
            while f.read(1 << 24):
                pass
        return
    tables = ["papers_paper", "papers_paperidentifier", "papers_paperauthor", "papers_author", "papers_venue"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c WHERE c.relname = ANY(%s) "
            "UNION SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = ANY(%s)",
            [tables, tables],
        )
        for (name,) in cursor.fetchall():
            cursor.execute("SELECT pg_prewarm(%s, 'buffer')", [name])
if os.environ.get("WARM") == "1":
    warm()
client = Client()
client.post("/api/v1/papers/batch", json.dumps({"ids": ids()}), content_type="application/json")
# As a served worker does after start-up (shortscience/wsgi.py): what lives as long as the
# process (here also the 20,000 identifiers drawn from) is frozen, so that the collector's
# full passes walk only what requests made. Without it one call in ~20 paid ~50 ms for a pass
# over this process's heap, which no gunicorn worker pays.
import gc
gc.freeze()
times, found = [], 0
for n in range(rounds + 2):
    body = json.dumps({"ids": ids()})
    start = time.perf_counter()
    response = client.post("/api/v1/papers/batch", body, content_type="application/json")
    took = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]
    if n >= 2:
        times.append(took * 1000)
        found += sum(1 for row in response.json() if row["paper"])
times.sort()
print(json.dumps({"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))], "max": times[-1], "found": found / rounds}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print; leave docs/ alone")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="leave the database as the OS caches it (default: read it into memory first)",
    )
    args = parser.parse_args()
    rows = []
    for url in args.database_url:
        db = "postgresql" if url.startswith("postgres") else "sqlite"
        r = run_on(
            url,
            ["-c", CHILD, str(args.rounds)],
            f"the batch look-up on {db}",
            PAGE_CACHE_SECONDS="0",
            ALLOWED_HOSTS="testserver",
            WARM="0" if args.cold else "1",
        )
        print(
            f"{db:10} p50 {r['p50']:.1f} ms  p95 {r['p95']:.1f} ms  max {r['max']:.1f} ms  found {r['found']:.0f} of 500"
        )
        rows.append(
            f"| {db} | 500 | {r['found']:.0f} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['max']:.1f} ms |"
        )
    if args.no_write:
        return
    from datetime import date

    body = "\n".join(
        [
            "## API: batch look-up of 500 identifiers (`bench/api_batch.py`)",
            "",
            f"Measured {date.today()} on {cpu_name()}, 2 cores; {args.rounds} rounds after two warm-up rounds, "
            "each 500 identifiers drawn afresh (arXiv ids with and without version or prefix, arXiv URLs, "
            "this site's ids; 100 unknown), `POST /api/v1/papers/batch` through Django's test client in one "
            "process (middleware, endpoint and JSON included), corpus of 1M papers from `bench/make_corpus.py`, "
            + (
                "as the OS caches it after other work (`--cold`)."
                if args.cold
                else "read into the OS's memory first (the SQLite file; on PostgreSQL the tables and indexes "
                "the look-up reads, by `pg_prewarm`), as on a server that has been answering a while: "
                "cold, each of 500 random papers is a disk read."
            ),
            "",
            "| database | ids per call | found | p50 | p95 | max |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "api-batch", body)


if __name__ == "__main__":
    main()
