"""`manage.py backup DIR`: a consistent copy of the live site (web/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shortscience.web import backup


class Command(BaseCommand):
    help = (
        "Copy the database (while the site runs), the uploaded media and a manifest with "
        "checksums into a new folder DIR/shortscience-YYYYMMDD-HHMMSS/."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where the backup's folder is made")

    def handle(self, *args, directory, **options):
        try:
            folder = backup.create(Path(directory), out=self.stderr)
        except backup.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(str(folder))
