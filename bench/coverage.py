"""The coverage check of a 2,000-entry BibTeX file, end to end (issue 17: under 2 s).

    DATABASE_URL=... .venv/bin/python bench/coverage.py [--entries 2000] [--runs 5]

Builds a .bib of `--entries` entries: every paper of the library it can take (a DOI or an
arXiv id on most, title, authors and year on the rest, as reference managers write them),
then unknown ones to make up the number; posts it as an upload to /coverage through
Django's test client in one process (middleware, parsing, look-ups, the page) and prints
the median and the slowest of `--runs` runs after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from shortscience.papers.models import Paper

    entries = []
    # Papers drawn at random from the whole library (at 1M, the first ones would all sit
    # together in the tables and indexes), read with their details in batches.
    top = Paper.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    drawn = random.Random(7).sample(range(1, top + 1), min(top, args.entries * 2))
    papers = Paper.objects.filter(pk__in=drawn, merged_into__isnull=True).with_details()
    papers = papers[: args.entries]
    for n, paper in enumerate(papers):
        doi, arxiv = paper.identifier("doi"), paper.identifier("arxiv")
        authors = " and ".join(a.name for a in paper.ordered_authors) or "Anonymous"
        ident = (
            f"doi={{{doi.value}}},"
            if doi
            else (f"eprint={{{arxiv.value}}}," if arxiv and n % 2 else "")
        )
        entries.append(
            f"@article{{p{n}, title={{{paper.title}}}, author={{{authors}}}, year={{{paper.year or 2000}}}, {ident}}}"
        )
    for n in range(len(entries), args.entries):
        entries.append(
            f"@article{{u{n}, title={{An Unknown Study Number {n}}}, author={{Ada Lovelace and Charles Babbage}}, "
            f"year={{2020}}, doi={{10.9999/unknown.{n}}}}}"
        )
    bib = "\n".join(entries).encode()
    client = Client(HTTP_HOST="127.0.0.1")
    times = []
    for run in range(args.runs + 1):
        upload = SimpleUploadedFile("refs.bib", bib, content_type="text/plain")
        start = time.perf_counter()
        response = client.post("/coverage", {"bib": upload}, REMOTE_ADDR=f"10.0.{run}.1")
        took = time.perf_counter() - start
        assert response.status_code == 200, response.content[:300]
        if run:
            times.append(took)
    found = min(len(papers), args.entries)
    print(
        f"{args.entries} entries ({found} in the library, {len(bib) / 1024:.0f} KB): "
        f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
