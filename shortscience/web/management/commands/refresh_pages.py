"""Say that every page may have changed, for a write made outside the site's services (in
`manage.py shell`, in SQL): every app server renders its pages again within
PAGE_CACHE_VERSION_SECONDS."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.web import changes


class Command(BaseCommand):
    help = "Render every page again, after a write made outside the site (shell, SQL)."

    def handle(self, *args, **options):
        changes.everything()
        self.stdout.write("Every page will be rendered again.")
