"""`manage.py restore FOLDER [--force]`: the site as a backup holds it (web/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shortscience.web import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and media "
        "storage, after checking its checksums. Refuses a database that holds rows unless "
        "--force."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="BACKUP", help="the backup's folder, or a file in it")
        parser.add_argument("--force", action="store_true", help="replace what the database holds")

    def handle(self, *args, path: str, force: bool, **options):
        try:
            done = backup.restore(Path(path), force=force, out=self.stderr)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            f"Restored {done.tables} tables ({done.rows:,} rows); media {done.media}. "
            "Every page will be rendered again."
        )
        if done.pending_migrations:
            self.stdout.write(
                f"The backup predates this code by {done.pending_migrations} migrations: "
                "run `manage.py migrate` now."
            )
