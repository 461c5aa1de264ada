"""Measure search latency over a fixed mix of queries, next to the raw engine query.

    .venv/bin/python bench/search.py --papers 1000000 --summaries 100000 [--db sqlite postgres] [--reuse]

For each database: builds the corpus with bench/make_corpus.py (or, with --reuse, uses the
one a previous run left), then draws a fixed mix of 200 queries of 1-3 words from the
corpus's own titles by frequency (so the very common words are in it, as people type
them), runs the mix once to warm the caches and then measures each query three ways, in turn,
three rounds (--repeats), keeping each way's median: a rare word's query takes a few
milliseconds, so one pause of the machine (a GC pass, another process) in a single timing
would otherwise decide whether it counts as slower than raw.

  * page:   shortscience.search.services.search(q): what the search page does, candidates,
            ranking, one page of papers, authors, summaries and highlighted snippets;
  * engine: services.ranked(q): the index queries and the merge alone;
  * raw:    the plain engine queries for the same search, ranking every match and keeping
            20: one over the papers' index and one over the summaries' (a search covers
            both), timed apart and added (FTS5 `ORDER BY bm25(...) LIMIT 20`; PostgreSQL
            `ORDER BY ts_rank(...) LIMIT 20`). The papers' query alone is reported too, as
            `raw papers`: earlier runs compared with that only.

Results go to docs/benchmarks.md between the search markers, and each query's timings to
search-rows-<database>.json in the work directory (var/bench).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import cpu_name, run_on, served_setup, write_section  # noqa: E402

QUERIES = 200
TITLE_SAMPLE = 20_000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def query_mix(titles: list[str], n: int, seed: int = 5) -> list[str]:
    from shortscience.search.query import words

    counts = Counter(w.lower() for title in titles for w in words(title))
    vocab, weights = zip(*counts.most_common(), strict=True)
    rng = random.Random(seed)
    mix = []
    for _ in range(n):
        k = rng.choice((1, 1, 2, 2, 2, 3))
        mix.append(" ".join(rng.choices(vocab, weights=weights, k=k)))
    return mix


def measure(n_queries: int, repeats: int) -> dict:
    served_setup()
    from django.db import connection

    from shortscience.papers.models import Paper
    from shortscience.search import services
    from shortscience.search.query import parse

    top = Paper.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rng = random.Random(3)
    sample = rng.sample(range(1, top + 1), min(TITLE_SAMPLE, top))
    titles = list(Paper.objects.filter(id__in=sample).values_list("title", flat=True))
    mix = query_mix(titles, n_queries)
    engine = services.engine()

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    ways = {
        "raw_papers": lambda q: engine.raw_query(parse(q), 20),
        "raw_summaries": lambda q: engine.raw_summary_query(parse(q), 20),
        "engine": lambda q: services.ranked(parse(q)),
        "page": lambda q: services.search(q, 1),
    }
    for q in mix:  # the warm-up pass
        for fn in ways.values():
            fn(q)
    rows = []
    for q in mix:
        times: dict[str, list[float]] = {way: [] for way in ways}
        # Rounds alternate the three ways, so a slow moment hits one timing of each at most.
        for _ in range(repeats):
            for way, fn in ways.items():
                times[way].append(timed(lambda fn=fn, q=q: fn(q)))
        row = {way: statistics.median(values) for way, values in times.items()}
        row["raw"] = row["raw_papers"] + row["raw_summaries"]
        rows.append({"q": q, **row, "total": services.search(q, 1).total})
    return {
        "vendor": connection.vendor,
        "papers": Paper.objects.count(),
        "summaries": __import__(
            "shortscience.summaries.models", fromlist=["Summary"]
        ).Summary.objects.count(),
        "rows": rows,
    }


def summarize(rows: list[dict]) -> dict:
    out = {}
    for key in ("page", "engine", "raw", "raw_papers"):
        values = [r[key] for r in rows]
        out[key] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "max": max(values),
        }
    ratios = [r["page"] / r["raw"] for r in rows]
    out["slower_than_1_5x"] = sum(1 for x in ratios if x > 1.5)
    out["engine_slower_than_1_5x"] = sum(1 for r in rows if r["engine"] > 1.5 * r["raw"])
    out["engine_slower_than_1_5x_over_1ms"] = sum(
        1 for r in rows if r["engine"] > 1.5 * r["raw"] and r["engine"] - r["raw"] > 1.0
    )
    out["engine_slower_than_1_5x_raw_papers"] = sum(
        1 for r in rows if r["engine"] > 1.5 * r["raw_papers"]
    )
    out["slower_than_1_5x_over_1ms"] = sum(
        1 for r in rows if r["page"] > 1.5 * r["raw"] and r["page"] - r["raw"] > 1.0
    )
    out["capped"] = sum(1 for r in rows if r["total"] >= 1000)
    slowest = max(rows, key=lambda r: r["page"])
    out["slowest"] = slowest
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--summaries", type=int, default=None, help="default: papers / 10")
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings of each query and way; the median is kept"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the corpus a previous run built"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument(
        "--no-write", action="store_true", help="print results, leave docs/benchmarks.md alone"
    )
    parser.add_argument("--step", choices=["measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "measure":
        print(json.dumps(measure(args.queries, args.repeats)))
        return
    summaries = args.summaries if args.summaries is not None else args.papers // 10
    import make_corpus

    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.db:
        if args.reuse:
            url = (
                f"sqlite:///{args.workdir / f'search-{args.papers}.sqlite3'}"
                if kind == "sqlite"
                else f"postgres://postgres@127.0.0.1:5432/{make_corpus.PG_DATABASE}"
            )
            built = {}
        else:
            built = make_corpus.make(kind, args.papers, summaries, args.workdir)
            url = built["database_url"]
            print(f"{kind}: corpus built {json.dumps(built)}", file=sys.stderr)
        step = ["--step", "measure", "--queries", str(args.queries), "--repeats", str(args.repeats)]
        measured = run_on(url, [__file__, *step], f"measuring {kind}")
        stats = summarize(measured["rows"])
        # Every query's timings, to look at the ones a summary line only counts.
        rows_file = args.workdir / f"search-rows-{kind}.json"
        rows_file.write_text(json.dumps(measured["rows"], indent=1))
        results.append((kind, measured, stats, built))
        print(
            f"{kind}: {measured['papers']:,} papers, {measured['summaries']:,} summaries; "
            f"page p50 {stats['page']['p50']:.1f} ms p95 {stats['page']['p95']:.1f} ms; "
            f"engine p50 {stats['engine']['p50']:.1f} p95 {stats['engine']['p95']:.1f}; "
            f"raw p50 {stats['raw']['p50']:.1f} p95 {stats['raw']['p95']:.1f}; "
            f"engine > 1.5x raw: {stats['engine_slower_than_1_5x']} queries "
            f"(> 1.5x raw papers: {stats['engine_slower_than_1_5x_raw_papers']}) "
            f"({stats['engine_slower_than_1_5x_over_1ms']} by more than 1 ms); "
            f"page > 1.5x raw: {stats['slower_than_1_5x']} queries "
            f"({stats['slower_than_1_5x_over_1ms']} by more than 1 ms); slowest {stats['slowest']['q']!r} "
            f"{stats['slowest']['page']:.1f} ms"
        )
    cpu = cpu_name()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "## Search: `bench/search.py`",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu}, {os.cpu_count()} cores (load average {load}); "
        f"Python {platform.python_version()}.",
        f"`bench/search.py --papers {args.papers} --summaries {summaries}`: corpus from `bench/make_corpus.py` "
        f"(Zipf vocabulary, realistic lengths); {args.queries} queries of 1-3 words drawn from the titles by "
        f"frequency; one warm-up pass, then each query timed {args.repeats} times per way, in turn, and the median kept.",
        "page = `services.search(q)` (everything the page needs but the template); engine = the bounded index "
        "queries and merge; raw = the plain engine queries ranking every match (`ORDER BY bm25`/`ts_rank` `LIMIT 20`), "
        "over the papers' index and over the summaries' (the search covers both), added; raw papers = the first alone.",
        "",
        "| database | papers | summaries | page p50 | page p95 | engine p50 | engine p95 | raw p50 | raw p95 | raw max "
        "| engine > 1.5x raw (by > 1 ms) | engine > 1.5x raw papers | page > 1.5x raw (by > 1 ms) | queries at the 1,000 bound |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, measured, s, _built in results:
        lines.append(
            f"| {kind} | {measured['papers']:,} | {measured['summaries']:,} | {s['page']['p50']:.1f} ms | "
            f"{s['page']['p95']:.1f} ms | {s['engine']['p50']:.1f} ms | {s['engine']['p95']:.1f} ms | "
            f"{s['raw']['p50']:.1f} ms | {s['raw']['p95']:.1f} ms | {s['raw']['max']:.0f} ms | "
            f"{s['engine_slower_than_1_5x']} ({s['engine_slower_than_1_5x_over_1ms']}) | "
            f"{s['engine_slower_than_1_5x_raw_papers']} | "
            f"{s['slower_than_1_5x']} ({s['slower_than_1_5x_over_1ms']}) | {s['capped']} |"
        )
    for kind, _measured, _s, built in results:
        if built:
            lines.append("")
            lines.append(
                f"{kind} corpus build: import {built['import_s']:.0f} s, paper index {built['paper_index_s']:.0f} s, "
                f"summaries {built['summaries_s']:.0f} s, summary index {built['summary_index_s']:.0f} s."
            )
    print("\n".join(lines))
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "search", "\n".join(lines))


if __name__ == "__main__":
    main()
