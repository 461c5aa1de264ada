"""How long the main pages take to render when the page cache does not have them.

    python bench/uncached.py --database-url sqlite:////tmp/corpus.sqlite3 [--database-url postgres://...]

Every write re-renders the pages that show what it changed (web/pages.py), so on a busy site
the next visitor of such a page waits for a render: these are those waits. Each page is requested in
one process through Django's test client with the page cache off, once to warm the process
(templates, URL resolver, the database's own caches), then `--repeat` times; the table gives
the median and the queries one request ran. Paper pages: the most summarised paper (20
summaries a page), and the mean over 200 random summarised papers each requested once. List
pages use the corpus's largest venue, keyword and year. Results go to docs/benchmarks.md
(between the uncached markers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import cpu_name, run_on, served_env, write_section  # noqa: E402


def timed_page(client, url: str, times: int) -> tuple[float, int]:
    """(median ms, queries) of `times` requests of `url`, after one to warm up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), len(queries)


def measure(repeat: int) -> dict:
    """Run inside a process whose DATABASE_URL is the corpus: page -> (ms, queries)."""
    import random

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shortscience.papers.models import Keyword, Paper, Venue

    client = Client()

    def timed(url: str, times: int) -> tuple[float, int]:
        return timed_page(client, url, times)

    summarised = Paper.objects.summarised()
    busiest = summarised.order_by("-public_summary_count").first()
    venue = Venue.objects.annotate(n=Count("papers")).order_by("-n").first()
    year = summarised.filter(venue=venue).values_list("year", flat=True).first()
    keyword = Keyword.objects.annotate(n=Count("papers")).order_by("-n").first()
    common_year = (
        summarised.values("year").annotate(n=Count("id")).order_by("-n").first() or {}
    ).get("year")
    pages = {
        "home (recent)": "/",
        "home (best)": "/?tab=best",
        "home (popular)": "/?tab=popular",
        f"paper with {busiest.public_summary_count} summaries": busiest.get_absolute_url(),
        f"venue {venue.key} ({venue.n:,} papers)": f"/venues/{venue.key}",
        f"venue {venue.key}, page 3": f"/venues/{venue.key}?page=3",
        f"venue {venue.key}, {year}": f"/venues/{venue.key}?year={year}",
        "venues": "/venues",
        f"keyword {keyword.name} ({keyword.n:,} papers)": f"/keyword/{keyword.name}",
        f"year {common_year}": f"/year/{common_year}",
        "sitemap of papers": "/sitemap-papers.xml",
    }
    results = {name: timed(url, repeat) for name, url in pages.items()}
    # Many papers, each requested once: what a crawler or a reader of the long tail meets.
    ids = list(summarised.values_list("pk", flat=True)[:20000])
    sample = Paper.objects.filter(pk__in=random.Random(7).sample(ids, min(200, len(ids))))
    urls = [p.get_absolute_url() for p in sample]
    client.get(urls[0])
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            client.get(url)
    results["paper (mean of 200 random summarised papers)"] = (
        (time.perf_counter() - start) * 1000 / len(urls),
        round(len(queries) / len(urls)),
    )
    return results


def run(script: str, measure, section: str, heading: str, intro: str) -> None:
    """The command line of a page benchmark: `script --database-url ... [--repeat N]
    [--no-write]` measures each corpus in a process of its own (`measure(repeat)` in
    `script --worker`, the page cache off, DEBUG off, static files collected) and writes a
    table of milliseconds and queries per page to docs/benchmarks.md under `heading`, after
    `intro` (its "{repeat}" filled in)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.repeat)))
        return

    if "STATIC_ROOT" not in os.environ:
        # As served (DEBUG off): the pages name their static files by their hashed names,
        # which need collected files and their manifest.
        os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="ss-pages-static-")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=served_env(),
            cwd=ROOT,
            check=True,
        )
    measured = {}
    for url in args.database_url:
        kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        measured[kind] = run_on(
            url,
            [script, "--worker", "--database-url", url, "--repeat", str(args.repeat)],
            f"measuring {kind}",
            DJANGO_SETTINGS_MODULE="shortscience.settings",
            PAGE_CACHE_SECONDS="0",
            ALLOWED_HOSTS="testserver",
        )
        for name, (ms, queries) in measured[kind].items():
            print(f"{kind:10s} {name:70s} {ms:8.1f} ms  {queries} queries", flush=True)
    if args.no_write:
        return

    kinds = list(measured)
    lines = [
        heading,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()}, {os.cpu_count()} cores: "
        + intro.replace("{repeat}", str(args.repeat)),
        "",
        "| page | " + " | ".join(f"{k} ms | {k} queries" for k in kinds) + " |",
        "|---|" + "---|---|" * len(kinds),
    ]
    for name in measured[kinds[0]]:
        cells = []
        for k in kinds:
            ms, queries = measured[k].get(name, (float("nan"), 0))
            cells.append(f"{ms:.1f} | {queries}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    write_section(ROOT / "docs" / "benchmarks.md", section, "\n".join(lines))


def main() -> None:
    run(
        __file__,
        measure,
        "uncached",
        "## Pages the cache does not have",
        "each page rendered in one process through Django's test client with the page cache "
        "off, after one warm-up request, median of {repeat} (`bench/uncached.py`). A write "
        "re-renders the pages that show what it changed, so these are the waits of the first "
        "visitor of such a page after one.",
    )


if __name__ == "__main__":
    main()
