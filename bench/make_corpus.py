"""Build a search benchmark corpus: N papers and M summaries in a fresh database.

    .venv/bin/python bench/make_corpus.py --papers 1000000 --summaries 100000 [--db sqlite postgres]

Papers are generated in the arXiv snapshot's JSON Lines format (authors, categories, DOIs,
versions as bench/import_arxiv.py makes them) but with text of realistic shape: titles of
6-14 and abstracts of 90-220 words drawn from a 30,000-word vocabulary by a Zipf law (so a
few words are in most papers and most words in few), English function words in abstracts,
some inline math. They go in through the importer's own path (BulkWriter, then
`rebuild_search_index`). Summaries (100-600 words, some math, rendered as plain paragraphs:
KaTeX for 100,000 bodies would take longer than everything else and search never reads
body_html) are spread over the papers and a few thousand members, with votes (upvotes,
downvotes, the Wilson bound) and a realistic share of private (5%), hidden (2%) and
anonymous (10%) ones. Then the summaries' index is built and the planner's statistics taken.

SQLite goes to var/bench/search-<N>.sqlite3, PostgreSQL to the database ss_bench_search;
bench/search.py measures them. Prints one JSON line per database: its DATABASE_URL and timings.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import (  # noqa: E402
    CATEGORIES,
    FIRST,
    LAST,
    WORDS,
    fresh_database,
    served_env,
    served_setup,
)

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "in",
    "a",
    "to",
    "we",
    "for",
    "is",
    "that",
    "on",
    "with",
    "this",
    "by",
    "are",
    "as",
    "an",
    "be",
    "from",
    "our",
    "which",
]
VOCABULARY_SIZE = 30_000
PG_DATABASE = "ss_bench_search"


def vocabulary(seed: int = 11) -> list[str]:
    """The topic words first (the most frequent), then made-up words, a few with accents."""
    rng = random.Random(seed)
    onsets = [
        "b",
        "c",
        "d",
        "f",
        "g",
        "h",
        "k",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "v",
        "z",
        "br",
        "cr",
        "st",
        "tr",
        "ph",
        "ch",
        "sh",
        "gl",
        "pl",
        "qu",
    ]
    vowels = ["a", "e", "i", "o", "u", "y", "ou", "io", "ea", "é", "ö"]
    words, seen = list(WORDS), set(WORDS)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels[:9] if rng.random() < 0.97 else vowels)
            for _ in range(rng.choice((2, 2, 3, 3, 4)))
        ) + rng.choice(("", "n", "s", "r", "tion", "ic", "al"))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Zipf:
    def __init__(self, items: list[str], exponent: float = 1.0):
        self.items = items
        weights = [1 / (rank**exponent) for rank in range(1, len(items) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.items, cum_weights=self.cumulative, k=k)


def text(rng: random.Random, zipf: Zipf, n: int, *, function_words: bool, math_rate: float) -> str:
    out = []
    for word in zipf.sample(rng, n):
        if function_words and rng.random() < 0.35:
            out.append(rng.choice(FUNCTION_WORDS))
        out.append(word)
        if rng.random() < math_rate:
            out.append(rng.choice(("$O(n \\log n)$", "$\\mathbb{E}[x^2]$", "$\\alpha = 0.5$")))
    return " ".join(out)


def generate(n: int, path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    zipf = Zipf(vocabulary())
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            yymm = f"{7 + i // 900000:02d}{1 + (i // 75000) % 12:02d}"
            authors = [
                (rng.choice(LAST), rng.choice(FIRST))
                for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 8)))
            ]
            title = text(rng, zipf, rng.randint(6, 14), function_words=False, math_rate=0.005)
            abstract = text(rng, zipf, rng.randint(90, 220), function_words=True, math_rate=0.01)
            record = {
                "id": f"{yymm}.{i % 75000:05d}",
                "submitter": f"{authors[0][1]} {authors[0][0]}",
                "authors": ", ".join(f"{first} {last}" for last, first in authors),
                "title": title.capitalize(),
                "comments": None,
                "journal-ref": None,
                "doi": f"10.1000/bench.{i}" if rng.random() < 0.3 else None,
                "report-no": None,
                "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
                "license": None,
                "abstract": "  " + abstract + "\n",
                "versions": [{"version": "v1", "created": f"Mon, 1 Apr 20{yymm[:2]} 10:00:00 GMT"}],
                "update_date": f"20{yymm[:2]}-{yymm[2:]}-15",
                "authors_parsed": [[last, first, ""] for last, first in authors],
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


# -- the child process (DATABASE_URL set) --------------------------------------------------


def build(path: Path, summaries: int, seed: int = 13) -> dict:
    served_setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.html import escape

    from shortscience.accounts.models import User
    from shortscience.community.services import wilson_lower_bound
    from shortscience.library.bulk import BulkWriter
    from shortscience.papers.models import Paper
    from shortscience.papers.sources.arxiv import iter_snapshot
    from shortscience.summaries import search_index as summary_index
    from shortscience.summaries.models import Summary, refresh_paper_stats

    call_command("migrate", verbosity=0)
    timings = {}
    start = time.perf_counter()
    # Abstracts stored as text, as the corpus was before imports typeset them in the batch:
    # the load and search figures in docs/benchmarks.md were measured on such pages.
    writer, batch = BulkWriter(typeset=False), []
    for _, record in iter_snapshot(path):
        batch.append(record)
        if len(batch) >= 2000:
            writer.write(batch)
            batch = []
    writer.write(batch)
    timings["import_s"] = time.perf_counter() - start
    start = time.perf_counter()
    call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
    timings["paper_index_s"] = time.perf_counter() - start

    start = time.perf_counter()
    rng = random.Random(seed)
    zipf = Zipf(vocabulary())
    members = max(50, summaries // 20)
    User.objects.bulk_create(
        [
            User(username=f"bench{i}", email=f"bench{i}@example.org", password="!")
            for i in range(members)
        ],
        batch_size=5000,
    )
    user_ids = list(User.objects.values_list("id", flat=True))
    paper_ids = list(Paper.objects.values_list("id", flat=True))
    now = timezone.now()
    pairs: set[tuple[int, int]] = set()
    rows = []
    while len(pairs) < min(summaries, len(paper_ids) * len(user_ids)):
        # Some papers draw many summaries, most none: a skewed pick over the papers.
        paper = paper_ids[int(len(paper_ids) * rng.random() ** 3)]
        user = rng.choice(user_ids)
        if (paper, user) in pairs:
            continue
        pairs.add((paper, user))
        body = text(rng, zipf, rng.randint(100, 600), function_words=True, math_rate=0.02)
        up, down = int(rng.expovariate(0.3)), int(rng.expovariate(1.5))
        roll = rng.random()
        rows.append(
            Summary(
                paper_id=paper,
                user_id=user,
                body=body,
                body_html=f"<p>{escape(body)}</p>",
                excerpt=body[:300],
                visibility="private" if roll < 0.05 else "public",
                is_hidden=0.05 <= roll < 0.07,
                is_anonymous=rng.random() < 0.10,
                created=now,
                edited=now,
                upvotes=up,
                downvotes=down,
                wilson=wilson_lower_bound(up, down),
            )
        )
        if len(rows) >= 5000:
            Summary.objects.bulk_create(rows)
            rows = []
    Summary.objects.bulk_create(rows)
    if connection.vendor == "postgresql":
        # Without statistics on the new rows the planner takes "public" for a rare value and
        # the pass below scans every public summary for each of the 1M papers (hours).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Summary._meta.db_table}")
    # bulk_create() sends no signals: the papers' public summary numbers in one pass.
    refresh_paper_stats()
    timings["summaries_s"] = time.perf_counter() - start
    start = time.perf_counter()
    with transaction.atomic():
        indexed = summary_index.rebuild()
    timings["summary_index_s"] = time.perf_counter() - start
    with connection.cursor() as cursor:
        # As after any bulk load: statistics for the planner and, on PostgreSQL, the
        # visibility map (index-only scans); without it autovacuum does this at some later,
        # random moment, in the middle of a measurement.
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "papers": Paper.objects.count(),
        "summaries": Summary.objects.count(),
        "indexed_summaries": indexed,
        **{k: round(v, 1) for k, v in timings.items()},
    }


def make(kind: str, papers: int, summaries: int, workdir: Path) -> dict:
    jsonl = workdir / f"corpus-{papers}.jsonl"
    if not jsonl.exists():
        t = time.perf_counter()
        generate(papers, jsonl)
        print(f"generated {papers:,} papers in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    url = fresh_database(kind, workdir, f"search-{papers}" if kind == "sqlite" else PG_DATABASE)
    env = served_env(DATABASE_URL=url)
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--step",
            "build",
            "--file",
            str(jsonl),
            "--summaries",
            str(summaries),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"building the {kind} corpus failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"db": kind, "database_url": url, **result}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--summaries", type=int, default=10_000)
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--step", choices=["build"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "build":
        print(json.dumps(build(args.file, args.summaries)))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    for kind in args.db:
        result = make(kind, args.papers, args.summaries, args.workdir)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
