"""The open data dumps at scale: `manage.py export_dump` on a corpus, records/s and peak memory.

    .venv/bin/python bench/export_dump.py --database-url sqlite:///$PWD/var/bench/search-1000000.sqlite3 \
        --database-url postgres://postgres@127.0.0.1:5432/ss_bench_search [--no-write]

On a corpus from bench/make_corpus.py: the command runs in a process of its own (DEBUG off,
as from cron) into a temporary directory, the whole release in one snapshot of the
database. Records of every kind per second of the whole run (gzip and checksums included),
the release's size, and the process's peak resident memory (VmHWM) against what it held
before the export began (Django and the models loaded): the export's own memory is the
difference, and stays flat as the library grows. Results to docs/benchmarks.md
("export-dump").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_arxiv import cpu_name, run_on, write_section  # noqa: E402

CHILD = r"""
import io, json, os, sys, tempfile, time
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
django.setup()
from django.core.management import call_command
def peak_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = peak_kib()
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    call_command("export_dump", tmp, stdout=io.StringIO(), stderr=sys.stderr)
    took = time.perf_counter() - start
    (release,) = Path(tmp).iterdir()
    manifest = json.loads((release / "manifest.json").read_text())
records = manifest["records"]
print(json.dumps({
    "records": records,
    "total": sum(records.values()),
    "seconds": took,
    "bytes": sum(f["bytes"] for f in manifest["files"]),
    "files": len(manifest["files"]),
    "before_kib": before,
    "peak_kib": peak_kib(),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--no-write", action="store_true", help="print; leave docs/ alone")
    args = parser.parse_args()
    rows = []
    for url in args.database_url:
        db = "postgresql" if url.startswith("postgres") else "sqlite"
        r = run_on(url, ["-c", CHILD], f"export_dump on {db}")
        rate = r["total"] / r["seconds"]
        counts = ", ".join(f"{n:,} {kind}" for kind, n in r["records"].items())
        print(
            f"{db:10} {counts}: {r['seconds']:.1f} s, {rate:,.0f} records/s, "
            f"{r['bytes'] / 2**20:,.1f} MiB in {r['files']} files, "
            f"peak RSS {r['peak_kib'] / 1024:,.0f} MiB ({r['before_kib'] / 1024:,.0f} MiB before)"
        )
        rows.append(
            f"| {db} | {counts} | {r['seconds']:.1f} s | {rate:,.0f} | "
            f"{r['bytes'] / 2**20:,.1f} MiB | {r['peak_kib'] / 1024:,.0f} MiB "
            f"({r['before_kib'] / 1024:,.0f} MiB before) |"
        )
    if args.no_write:
        return
    from datetime import date

    body = "\n".join(
        [
            "## Open data dumps: `export_dump` (`bench/export_dump.py`)",
            "",
            f"Measured {date.today()} on {cpu_name()}; `manage.py export_dump` in a process of "
            "its own (DEBUG off), every kind of record into gzipped JSON Lines with their "
            "checksums, on a corpus from `bench/make_corpus.py`. Peak RSS is the process's "
            "high-water mark; before: what it held with Django loaded, before the export began.",
            "",
            "| database | records | time | records/s | release | peak RSS |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section(ROOT / "docs" / "benchmarks.md", "export-dump", body)


if __name__ == "__main__":
    main()
