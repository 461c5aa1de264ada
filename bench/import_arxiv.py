"""Measure the bulk import of arXiv snapshot records: the command a user runs, end to end.

    .venv/bin/python bench/import_arxiv.py --records 1000000 [--math-share 0.3] [--file F]
        [--db sqlite postgres] [--stages] [--no-write]

Generates N records in the public snapshot's JSON Lines format (or reads a real file),
then for each database, in a fresh database migrated beforehand (untimed):
  1. the default command, `manage.py import_papers --arxiv-snapshot FILE` (typesetting
     and search index included), timed from the start of its process to its exit, with
     each stage's own rate from its progress lines, the file stage's rate over its first
     and last 10% of records, and the process's peak memory;
  2. the same command again over the same file (everything unchanged: it must add nothing).
With --stages, also the importer stage alone next to the ceiling measured in the same run:
  3. parse + BulkWriter without typesetting or index (`--no-render --no-index`'s path);
  4. the ceiling: the same rows, already in memory, written by plain executemany (SQLite)
     or COPY (PostgreSQL) into the same tables of an empty database.
Results go to docs/benchmarks.md between the import markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
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


# Formulas as abstracts write them (KaTeX's cost differs little between them).
FORMULAS = [
    "$O(n^2)$",
    r"$\mathcal{O}(n \log n)$",
    r"$\alpha$",
    "$10^{-3}$",
    r"$\sim 5\%$",
    r"$\ell_1$",
    r"$\epsilon$-optimal",
    "$p < 0.05$",
    "$$E = mc^2$$",
    r"$\mathbb{R}^d$",
    "$k$",
    r"$\frac{1}{\sqrt{n}}$",
]
# The share of abstracts with math: 13 of the 107 in the recorded arXiv responses (a search
# for "testing", mostly computer science), more in physics and mathematics; 30% is taken
# for all of arXiv, each with 1 to 4 formulas.
MATH_SHARE = 0.3


def generate(n: int, path: Path, seed: int = 7, math_share: float = MATH_SHARE) -> None:
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
            words = [rng.choice(WORDS) for _ in range(rng.randint(90, 220))]
            if rng.random() < math_share:
                for _ in range(rng.randint(1, 4)):
                    words.insert(rng.randrange(len(words)), rng.choice(FORMULAS))
            abstract = " ".join(words)
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

    writer = BulkWriter(typeset=False)
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
    return {"records": n, "seconds": seconds, "peak_kib": peak_kib(), "tally": dict(writer.tally)}


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


_PROGRESS = re.compile(
    r"^(?P<label>.*?)(?P<count>[\d,]+)(?:/(?P<total>[\d,]+) \(\d+%\))? (?P<rate>[\d,.]+)/s"
)


def run_command(database_url: str, path: Path, *, again: bool = False) -> dict:
    """`manage.py import_papers --arxiv-snapshot PATH` as a user runs it: wall time from the
    start of the process to its exit, each stage's last progress line, the file stage's
    progress lines as (seconds, records), and the process's peak RSS."""
    env = served_env(DATABASE_URL=database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    # A run again reads the whole file (--restart: not resumed after the last checkpoint).
    restart = ["--restart"] if again else []
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_papers", "--arxiv-snapshot", str(path), *restart],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    samples: list[tuple[float, int]] = []
    stages: dict[str, dict] = {}
    buffer = tail = b""
    assert proc.stderr is not None and proc.stdout is not None
    while chunk := os.read(proc.stderr.fileno(), 65536):
        now = time.perf_counter() - started
        tail = (tail + chunk)[-4000:]
        buffer += chunk
        *lines, buffer = re.split(rb"[\r\n]", buffer)
        for raw in lines:
            m = _PROGRESS.match(raw.decode("utf-8", "replace"))
            if not m:
                continue
            label = m["label"].strip().rstrip(":")
            count = int(m["count"].replace(",", ""))
            stages[label] = {"records": count, "rate": float(m["rate"].replace(",", ""))}
            if label == path.name:
                samples.append((now, count))
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(
            f"import_papers failed ({status}):\n{out[-2000:]}\n{tail.decode('utf-8', 'replace')}"
        )
    tally = re.search(r"created (\d+), updated (\d+), unchanged (\d+), skipped (\d+)", out)
    created, updated, unchanged, skipped = (int(x) for x in tally.groups())
    return {
        "seconds": seconds,
        "records": created + updated + unchanged + skipped,
        "created": created,
        "unchanged": unchanged,
        "peak_kib": usage.ru_maxrss,
        "stages": stages,
        "samples": samples,
    }


def steadiness(samples: list[tuple[float, int]], total: int) -> tuple[float, float] | None:
    """The file stage's rate over its first and its last 10% of records, from its progress
    lines (one every half second)."""
    if len(samples) < 4:
        return None
    t0, c0 = samples[0]
    first = next((s for s in samples if s[1] >= total * 0.1), None)
    last = next((s for s in samples if s[1] >= total * 0.9), None)
    t_end, c_end = samples[-1]
    if first is None or last is None or first[0] <= t0 or t_end <= last[0]:
        return None
    return (first[1] - c0) / (first[0] - t0), (c_end - last[1]) / (t_end - last[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--math-share",
        type=float,
        default=MATH_SHARE,
        help="share of generated abstracts with math (default %(default)s)",
    )
    parser.add_argument(
        "--file", type=Path, help="a real snapshot file instead of generated records"
    )
    parser.add_argument(
        "--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--stages", action="store_true", help="also the importer stage alone and its ceiling"
    )
    parser.add_argument("--workdir", type=Path, help="where to keep the generated file")
    parser.add_argument("--step", choices=["import", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-write", action="store_true", help="print results, leave docs/benchmarks.md alone"
    )
    args = parser.parse_args()
    if args.step:
        steps = {"import": step_import, "ceiling": step_ceiling}
        result = steps[args.step](args.file)
        print(json.dumps(result))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ss-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = args.file
    if path is None:
        path = workdir / f"snapshot-{args.records}-math{args.math_share:g}.jsonl"
        if not path.exists():
            t = time.perf_counter()
            generate(args.records, path, math_share=args.math_share)
            print(
                f"generated {args.records:,} records ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s"
            )
    size_mb = path.stat().st_size / 1e6
    with open(path, encoding="utf-8") as f:
        with_math = sum("$" in json.loads(line)["abstract"] for line in f)
    results = []
    for kind in args.db:
        url = fresh_database(kind, workdir, "ss_bench_import")
        first = run_command(url, path)
        again = run_command(url, path, again=True)
        steady = steadiness(first["samples"], first["records"])
        results.append((kind, first, again, steady))
        stage_text = ", ".join(
            f"{label} {stage['rate']:,.0f}/s" for label, stage in first["stages"].items()
        )
        print(
            f"{kind}: end to end {first['records'] / first['seconds']:,.0f} rec/s "
            f"({first['seconds']:.1f} s, peak {first['peak_kib'] / 1024:.0f} MiB); stages: {stage_text}; "
            f"first/last 10%: {steady}; re-run {again['seconds']:.1f} s, "
            f"created {again['created']}, unchanged {again['unchanged']}"
        )
        if again["created"]:
            raise SystemExit(f"{kind}: the re-run created {again['created']} papers")
    stage_rows = run_stages(args, path) if args.stages else []

    n = results[0][1]["records"]
    lines = [
        "## Bulk import: arXiv snapshot records, the command end to end",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()}, {os.cpu_count()} cores; Python {platform.python_version()}.",
        f"`bench/import_arxiv.py --records {n}{'' if args.file else f' --math-share {args.math_share:g}'}`: "
        f"{n:,} records ({size_mb:.0f} MB of JSON Lines{', generated' if args.file is None else ''}; "
        f"{with_math:,} abstracts, {100 * with_math / n:.0f}%, with math).",
        "End to end = `manage.py import_papers --arxiv-snapshot FILE` as a user runs it, typesetting and search index included, "
        "timed from the start of its process to its exit (the database migrated before, untimed). "
        "Stages: the rate each printed on its progress line. Steady: the file stage's rate over its first and last 10% of records.",
        "",
        "| database | math in abstracts | end to end rec/s | wall | file stage (parse, typeset, write) rec/s | search index papers/s | first 10% / last 10% rec/s | peak RSS | re-run with --restart (all unchanged) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, first, again, steady in results:
        file_stage = first["stages"].get(path.name, {}).get("rate", 0)
        index = first["stages"].get("search index", {}).get("rate", 0)
        steady_text = f"{steady[0]:,.0f} / {steady[1]:,.0f}" if steady else "n/a"
        lines.append(
            f"| {kind} | {100 * with_math / n:.0f}% | **{first['records'] / first['seconds']:,.0f}** | {first['seconds']:.1f} s | "
            f"{file_stage:,.0f} | {index:,.0f} | {steady_text} | {first['peak_kib'] / 1024:.0f} MiB | "
            f"{again['seconds']:.1f} s, {again['created']} created |"
        )
    lines += stage_rows
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "import", "\n".join(lines))


def run_stages(args, path: Path) -> list[str]:
    """The importer stage alone (no typesetting, no index) next to its ceiling."""
    workdir = Path(tempfile.mkdtemp(prefix="ss-bench-"))
    rows = [
        "",
        "The importer stage alone (parse + BulkWriter in batches of 2000, no typesetting, no index) next to its ceiling, "
        "the same rows prepared in memory and written by plain `executemany` (SQLite) or `COPY` (PostgreSQL) into the same empty tables:",
        "",
        "| database | importer rec/s | ceiling rec/s | importer / ceiling | peak RSS |",
        "|---|---|---|---|---|",
    ]
    for kind in args.db:
        first = run_step("import", path, fresh_database(kind, workdir, "ss_bench_stage"))
        ceiling = run_step("ceiling", path, fresh_database(kind, workdir, "ss_bench_ceiling"))
        rate = first["records"] / first["seconds"]
        ceiling_rate = ceiling["records"] / ceiling["seconds"]
        print(f"{kind}: importer stage {rate:,.0f} rec/s, ceiling {ceiling_rate:,.0f} rec/s")
        rows.append(
            f"| {kind} | {rate:,.0f} | {ceiling_rate:,.0f} | {100 * rate / ceiling_rate:.0f}% | "
            f"{first['peak_kib'] / 1024:.0f} MiB |"
        )
    return rows


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
