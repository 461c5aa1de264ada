"""Measure bulk import of arXiv snapshot records, next to the ceiling measured in the same run.

    .venv/bin/python bench/import_arxiv.py --records 100000 [--file snapshot.jsonl] [--db sqlite postgres]

Generates N records in the public snapshot's JSON Lines format (or reads a real file),
then for each database, in a fresh database:
  1. the importer: the same code path as `manage.py import_papers --arxiv-snapshot FILE
     --no-render` (parse + BulkWriter, batches of 2000, one transaction each);
  2. the ceiling: the same rows, already in memory, written by plain executemany (SQLite)
     or COPY (PostgreSQL) into the same tables of an empty database;
  3. a re-run of the importer over the same file (everything unchanged).
Peak memory (VmHWM) is read from /proc for each step's process. Results go to
docs/benchmarks.md between the import markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "learning",
    "deep",
    "neural",
    "network",
    "networks",
    "model",
    "models",
    "training",
    "data",
    "graph",
    "attention",
    "transformer",
    "optimization",
    "stochastic",
    "gradient",
    "descent",
    "convex",
    "bayesian",
    "inference",
    "variational",
    "quantum",
    "field",
    "theory",
    "spin",
    "lattice",
    "gauge",
    "dark",
    "matter",
    "galaxy",
    "cluster",
    "stellar",
    "black",
    "hole",
    "entropy",
    "estimation",
    "robust",
    "sparse",
    "regression",
    "kernel",
    "manifold",
    "topology",
    "algebra",
    "group",
    "representation",
    "category",
    "protein",
    "structure",
    "genome",
    "sequencing",
    "cell",
    "dynamics",
    "equations",
    "nonlinear",
    "boundary",
    "stability",
    "reinforcement",
    "policy",
    "reward",
    "agent",
    "language",
    "vision",
    "image",
    "segmentation",
    "detection",
    "generative",
    "adversarial",
    "diffusion",
    "score",
    "matching",
    "causal",
    "effect",
    "estimator",
    "sample",
    "complexity",
    "bound",
    "lower",
    "upper",
]
FIRST = [
    "Wei",
    "Maria",
    "John",
    "Anna",
    "Hiroshi",
    "Olga",
    "Ahmed",
    "Sofia",
    "Lars",
    "Chen",
    "Priya",
    "Jean",
    "Ines",
    "Tomasz",
    "Elif",
    "Kwame",
]
LAST = [
    "Wang",
    "Müller",
    "Smith",
    "Kowalski",
    "Nakamura",
    "Petrov",
    "García",
    "Rossi",
    "Jensen",
    "Li",
    "Sharma",
    "Dubois",
    "Silva",
    "Nowak",
    "Yılmaz",
    "Mensah",
    "Zhang",
    "Schröder",
    "Brown",
    "Ivanova",
    "Fernández",
    "Kim",
    "Novák",
    "Lindqvist",
    "O'Brien",
    "Łukasik",
]
CATEGORIES = [
    "cs.LG",
    "cs.CV",
    "cs.CL",
    "stat.ML",
    "math.OC",
    "hep-th",
    "quant-ph",
    "astro-ph.GA",
    "cond-mat.stat-mech",
    "q-bio.QM",
    "math.AG",
]


def generate(n: int, path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            yymm = f"{7 + i // 900000:02d}{1 + (i // 75000) % 12:02d}"
            arxiv_id = f"{yymm}.{i % 75000:05d}"
            authors = [
                (rng.choice(LAST), rng.choice(FIRST))
                for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 8)))
            ]
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
            abstract = " ".join(
                rng.choice(WORDS) + (" $O(n^2)$" if rng.random() < 0.01 else "")
                for _ in range(rng.randint(90, 220))
            )
            versions = [
                {"version": f"v{v + 1}", "created": f"Mon, {1 + v} Apr 20{yymm[:2]} 10:00:00 GMT"}
                for v in range(rng.choice((1, 1, 2, 3)))
            ]
            record = {
                "id": arxiv_id,
                "submitter": f"{authors[0][1]} {authors[0][0]}",
                "authors": ", ".join(f"{first} {last}" for last, first in authors),
                "title": title,
                "comments": f"{rng.randint(5, 40)} pages" if rng.random() < 0.6 else None,
                "journal-ref": f"J. Sci. {rng.randint(1, 99)} ({2000 + int(yymm[:2])})"
                if rng.random() < 0.2
                else None,
                "doi": f"10.1000/bench.{i}" if rng.random() < 0.3 else None,
                "report-no": None,
                "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
                "license": None,
                "abstract": "  " + abstract + "\n",
                "versions": versions,
                "update_date": f"20{yymm[:2]}-{yymm[2:]}-15",
                "authors_parsed": [[last, first, ""] for last, first in authors],
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# -- worker steps (run in a child process with DATABASE_URL set) --------------------------


# The site as served (DEBUG off, so Django keeps no log of every query), with settings the
# production checks accept: one secret for every process of a run, so that the seeding
# process and gunicorn share sessions.
SERVED = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-" * 4,
    "SITE_ROOT": "http://127.0.0.1:8000",
}


def served_env(**extra: str) -> dict[str, str]:
    """This process's environment for a child that runs the site as served, plus `extra`."""
    return {**os.environ, **SERVED, **extra}


def served_setup() -> None:
    """Set up Django in this process as served (values the environment names win)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    for name, value in SERVED.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def _setup():
    served_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def step_import(path: Path) -> dict:
    _setup()
    from shortscience.library.bulk import BulkWriter
    from shortscience.papers.sources.arxiv import iter_snapshot as iter_arxiv_snapshot

    writer = BulkWriter()
    batch, n = [], 0
    start = time.perf_counter()
    for _, record in iter_arxiv_snapshot(path):
        batch.append(record)
        if len(batch) >= 2000:
            writer.write(batch)
            n += len(batch)
            batch = []
    writer.write(batch)
    n += len(batch)
    seconds = time.perf_counter() - start
    result = {"records": n, "seconds": seconds, "peak_kib": peak_kib(), "tally": dict(writer.tally)}
    from django.db import connection

    if connection.vendor == "sqlite" and writer.tally.get("created"):
        # The separate search-index pass, as import_papers runs it after the batches.
        from io import StringIO

        from django.core.management import call_command

        start = time.perf_counter()
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
        result["index_seconds"] = time.perf_counter() - start
    return result


def step_fts_ceiling(path: Path) -> dict:
    """Raw FTS5: the documents the search-index pass wrote (read back from the imported
    database, untimed), inserted from memory by executemany into fresh FTS5 tables of the
    same schemas, in one transaction: the same work as the pass, minus reading the papers."""
    _setup()
    from django.db import connection, transaction

    from shortscience.lib import sqlite_bulk
    from shortscience.papers import search_index

    columns = ", ".join(search_index.COLUMNS)
    titles = ", ".join(search_index.TITLE_COLUMNS)
    with connection.cursor() as cursor:
        sqlite_bulk.tune(cursor)
        cursor.execute(f"SELECT rowid, {columns} FROM {search_index.TABLE}")
        docs = cursor.fetchall()
        cursor.execute(
            f"CREATE VIRTUAL TABLE raw_fts USING fts5({columns}, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE raw_title_fts USING fts5({titles}, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
    short = [
        (d[0], *(d[1 + search_index.COLUMNS.index(c)] for c in search_index.TITLE_COLUMNS))
        for d in docs
    ]
    marks = ", ".join("?" * (len(search_index.COLUMNS) + 1))
    title_marks = ", ".join("?" * (len(search_index.TITLE_COLUMNS) + 1))
    start = time.perf_counter()
    # In transactions of the pass's size: one transaction of a million documents was half as
    # fast (FTS5 holds and merges more per commit), which would flatter the pass.
    step = 25_000
    for i in range(0, len(docs), step):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.executemany(
                f"INSERT INTO raw_fts (rowid, {columns}) VALUES ({marks})", docs[i : i + step]
            )
            cursor.cursor.executemany(
                f"INSERT INTO raw_title_fts (rowid, {titles}) VALUES ({title_marks})",
                short[i : i + step],
            )
    return {"records": len(docs), "seconds": time.perf_counter() - start, "peak_kib": peak_kib()}


def step_ceiling(path: Path) -> dict:
    """The same rows into the same tables with the database's fastest plain path."""
    _setup()
    from django.db import connection, transaction
    from django.utils.text import slugify

    from shortscience.lib.identifiers import normalize
    from shortscience.papers.models import normalize_name
    from shortscience.papers.sources.arxiv import iter_snapshot as iter_arxiv_snapshot

    records = [r for _, r in iter_arxiv_snapshot(path)]  # parsing is not part of the ceiling
    now = "2026-01-01T00:00:00+00:00"
    papers, authors, paper_authors, idents, kw_links = [], {}, [], [], []
    keywords = {}
    for pid, r in enumerate(records, start=1):
        papers.append(
            (
                pid,
                r.title,
                slugify(r.title)[:80],
                r.abstract,
                "",
                r.year,
                r.published,
                None,
                r.source,
                "[]",
                json.dumps(r.extra),
                r.match_key(),
                "",
                now,
                now,
            )
        )
        for pos, a in enumerate(r.authors):
            aid = authors.setdefault(a.name, len(authors) + 1)
            paper_authors.append((pid, aid, pos))
        for kind, value in r.identifiers.items():
            x = normalize(kind, value)
            idents.append((pid, x.kind, x.value, x.display))
        for k in dict.fromkeys(r.keywords):
            kw_links.append((pid, keywords.setdefault(k, len(keywords) + 1)))
    author_rows = [(aid, name, normalize_name(name), "", "") for name, aid in authors.items()]
    keyword_rows = [(kid, name) for name, kid in keywords.items()]
    tables = [
        ("papers_keyword", ("id", "name"), keyword_rows),
        ("papers_author", ("id", "name", "normalized_name", "orcid", "match_name"), author_rows),
        (
            "papers_paper",
            (
                "id",
                "title",
                "slug",
                "abstract",
                "abstract_html",
                "year",
                "published",
                "venue_id",
                "source",
                "links",
                "metadata",
                "match_key",
                "import_hash",
                "created",
                "updated",
            ),
            papers,
        ),
        ("papers_paperauthor", ("paper_id", "author_id", "position"), paper_authors),
        ("papers_paperidentifier", ("paper_id", "kind", "value", "display"), idents),
        ("papers_paper_keywords", ("paper_id", "keyword_id"), kw_links),
    ]
    if connection.vendor == "sqlite":
        # The same page cache as the importer's connection: a ceiling, not a handicap.
        from shortscience.lib import sqlite_bulk

        with connection.cursor() as cursor:
            sqlite_bulk.tune(cursor)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                cursor.cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )
    seconds = time.perf_counter() - start
    return {"records": len(records), "seconds": seconds, "peak_kib": peak_kib()}


# -- driver --------------------------------------------------------------------------------


def fresh_database(kind: str, workdir: Path, name: str) -> str:
    if kind == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def run_step(step: str, path: Path, database_url: str) -> dict:
    env = served_env(DATABASE_URL=database_url)
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--file", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--file", type=Path, help="a real snapshot file instead of generated records"
    )
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--step", choices=["import", "ceiling", "fts"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-write", action="store_true", help="print results, leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    if args.step:
        steps = {"import": step_import, "ceiling": step_ceiling, "fts": step_fts_ceiling}
        result = steps[args.step](args.file)
        print(json.dumps(result))
        return

    workdir = Path(tempfile.mkdtemp(prefix="ss-bench-"))
    path = args.file
    if path is None:
        path = workdir / "snapshot.jsonl"
        t = time.perf_counter()
        generate(args.records, path)
        print(
            f"generated {args.records:,} records ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s"
        )
    size_mb = path.stat().st_size / 1e6
    rows = []
    for kind in args.db:
        url = fresh_database(kind, workdir, "ss_bench_import")
        first = run_step("import", path, url)
        again = run_step("import", path, url)
        ceiling = run_step("ceiling", path, fresh_database(kind, workdir, "ss_bench_ceiling"))
        rate = first["records"] / first["seconds"]
        ceiling_rate = ceiling["records"] / ceiling["seconds"]
        rows.append((kind, first, again, ceiling, rate, ceiling_rate))
        if kind == "sqlite":
            # On the imported database, after the two import runs: the pass's own documents.
            fts = run_step("fts", path, url)
            index_rate = first["records"] / first["index_seconds"]
            fts_rate = fts["records"] / fts["seconds"]
            fts_line = (
                f"Search index (SQLite FTS5): the import's separate pass indexed {index_rate:,.0f} papers/s; "
                f"raw FTS5 inserts of the same documents from memory ran at {fts_rate:,.0f}/s "
                f"({100 * index_rate / fts_rate:.0f}% of it)."
            )
            print(fts_line)
        print(
            f"{kind}: import {rate:,.0f} rec/s ({first['seconds']:.1f}s, peak {first['peak_kib'] / 1024:.0f} MiB), "
            f"re-run {again['records'] / again['seconds']:,.0f} rec/s {again['tally']}, "
            f"ceiling {ceiling_rate:,.0f} rec/s ({100 * rate / ceiling_rate:.0f}% of it)"
        )
    cpu = cpu_name()
    lines = [
        "## Bulk import: arXiv snapshot records",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}.",
        f"`bench/import_arxiv.py --records {first['records']}`: {first['records']:,} records "
        f"({size_mb:.0f} MB of JSON Lines{', generated' if args.file is None else ''}).",
        "Importer = parse + BulkWriter (batches of 2000), abstracts and search index left for their passes; ceiling = the same rows,",
        "prepared in memory, by plain `executemany` (SQLite) or `COPY` (PostgreSQL) into the same empty tables.",
        "",
        "| database | importer rec/s | ceiling rec/s | importer / ceiling | re-run (all unchanged) rec/s | importer peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for kind, first, again, _ceiling, rate, ceiling_rate in rows:
        lines.append(
            f"| {kind} | {rate:,.0f} | {ceiling_rate:,.0f} | {100 * rate / ceiling_rate:.0f}% | "
            f"{again['records'] / again['seconds']:,.0f} | {first['peak_kib'] / 1024:.0f} MiB |"
        )
    if "sqlite" in args.db:
        lines += ["", fts_line]
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "import", "\n".join(lines))


def cpu_name() -> str:
    """The processor's model name, for the "measured on" line of every benchmark."""
    return next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )


def run_on(database_url: str, args: list[str], what: str, **env: str):
    """Run `python ARGS` in a process of its own on one corpus (DATABASE_URL, DEBUG off, plus
    `env`) and return the JSON it printed last. A failure stops the benchmark with the
    child's error."""
    out = subprocess.run(
        [sys.executable, *args],
        env=served_env(DATABASE_URL=database_url, **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{what} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_section(doc: Path, name: str, body: str) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
