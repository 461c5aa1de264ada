"""`manage.py doctor`: what /healthz?full=1 says, for an administrator; exit status 1 when a
part is down."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortscience.web import health


class Command(BaseCommand):
    help = "Check the parts the site depends on: database, cache, KaTeX, worker, email, harvest."

    def handle(self, *args, **options):
        found = health.parts()
        width = max(len(p.name) for p in found)
        for part in found:
            mark = self.style.SUCCESS("ok  ") if part.ok else self.style.ERROR("DOWN")
            self.stdout.write(f"{mark} {part.name.ljust(width)}  {part.detail}")
        if not all(p.ok for p in found):
            raise SystemExit(1)
