"""Write a release of the open data dumps (api/dumps.py): say weekly, from cron, into the
directory the site reads (DUMPS_DIR) or one synced to where they are published (DUMPS_URL).

Safe to interrupt and re-run: a release appears only once complete, under a new name.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shortscience.api import dumps
from shortscience.web import changes


class Command(BaseCommand):
    help = "Write papers, public summaries and comments, and public profiles as a dated release."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new release is written inside it")
        parser.add_argument(
            "--shard-size",
            type=int,
            default=dumps.SHARD_SIZE,
            help=f"records per file at most (default {dumps.SHARD_SIZE:,})",
        )
        parser.add_argument(
            "--keep-older",
            action="store_true",
            help="keep the older releases in DIR (the site serves only the latest either way; "
            "by default they are removed: they may hold what was taken down since)",
        )

    def handle(self, *args, directory: Path, shard_size: int, keep_older: bool, **options):
        if shard_size < 1:
            raise CommandError("--shard-size must be at least 1.")
        try:
            release = dumps.export(directory, shard_size=shard_size, out=self.stderr)
        except FileExistsError as e:
            raise CommandError(str(e)) from e
        # The /data page links the newest release: visitors see this one from now on.
        changes.changed(lists=[changes.DUMPS])
        if not keep_older:
            for name in dumps.prune(directory, keep=release.name):
                self.stderr.write(f"Removed the older release {name}.")
        manifest = json.loads((release / dumps.MANIFEST).read_text(encoding="utf-8"))
        counts = ", ".join(f"{n:,} {kind}" for kind, n in manifest["records"].items())
        self.stdout.write(f"Release {release}: {counts}.")
