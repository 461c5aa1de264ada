"""Say that every page may have changed, for a write made outside the site's services (in
`manage.py shell`, in SQL) or a database restored from a copy: every app server renders its
pages again within PAGE_CACHE_VERSION_SECONDS.

The log of changes starts again under a new epoch rather than taking one more change: a
restored database numbers its changes again from the copy's point, numbers that pages kept
from before the restore were stamped with."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.web import changes


class Command(BaseCommand):
    help = (
        "Render every page again, after a write made outside the site (shell, SQL) or a "
        "restore of the database."
    )

    def handle(self, *args, **options):
        changes.new_log()
        self.stdout.write("Every page will be rendered again.")
