"""Load the demo library: real papers, demo users and summaries written for the demo.

Idempotent: papers are matched by their identifiers, users by username, summaries by
(paper, user); running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from shortscience.lib.records import PaperRecord
from shortscience.papers.models import Paper
from shortscience.papers.services import upsert_paper
from shortscience.summaries.models import Summary
from shortscience.summaries.services import save_summary

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


def parse_summary_file(path: Path) -> tuple[dict[str, str], str]:
    """A demo summary file: 'name: value' header lines, a blank line, the Markdown body."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n\n")
    if not sep:
        raise CommandError(f"{path.name}: no blank line after the header")
    header = {}
    for line in head.splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            raise CommandError(f"{path.name}: bad header line {line!r}")
        header[name.strip()] = value.strip()
    for required in ("paper", "user"):
        if required not in header:
            raise CommandError(f"{path.name}: header lacks {required!r}")
    return header, body.strip() + "\n"


def record_from_json(item: dict) -> PaperRecord:
    venue = item.get("venue") or {}
    published = date.fromisoformat(item["published"]) if item.get("published") else None
    if not item.get("identifiers"):
        raise CommandError(f"demo paper {item.get('ref')!r} has no identifier to match it by")
    return PaperRecord(
        title=item["title"],
        authors=item.get("authors", []),
        abstract=item.get("abstract", ""),
        year=item.get("year"),
        published=published,
        venue_key=venue.get("key", ""),
        venue_name=venue.get("name", ""),
        venue_kind=venue.get("kind", "other"),
        keywords=item.get("keywords", []),
        source=item.get("source", Paper.Source.MANUAL),
        identifiers=item["identifiers"],
        links=item.get("links", []),
    )


class Command(BaseCommand):
    help = "Load the demo papers, users and summaries (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if the library has any paper"
        )
        parser.add_argument(
            "--password",
            default="",
            help="give every demo user this password, to try the site as one (never on a public site)",
        )

    def handle(self, *args, if_empty: bool = False, password: str = "", **options):
        if if_empty and Paper.objects.exists():
            self.stdout.write("The library has papers already; demo content not loaded.")
            return
        papers_json = json.loads((DEMO_DIR / "papers.json").read_text(encoding="utf-8"))
        users_json = json.loads((DEMO_DIR / "users.json").read_text(encoding="utf-8"))
        summary_files = sorted((DEMO_DIR / "summaries").glob("*.md"))

        papers: dict[str, Paper] = {}
        created_papers = 0
        for item in papers_json:
            paper, status = upsert_paper(record_from_json(item))
            papers[item["ref"]] = paper
            created_papers += status == "created"

        users = {}
        User = get_user_model()
        for item in users_json:
            user, created = User.objects.get_or_create(
                username=item["username"],
                defaults={
                    "display_name": item.get("display_name", ""),
                    "bio": item.get("bio", ""),
                    "email": f"{item['username']}@example.org",
                },
            )
            if created:
                if password:
                    user.set_password(password)
                else:
                    user.set_unusable_password()
                user.save()
                EmailAddress.objects.get_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
            elif password:
                user.set_password(password)
                user.save(update_fields=["password"])
            users[item["username"]] = user

        # Spread the demo summaries over the past weeks so the home page reads like a living site.
        now = timezone.now()
        created_summaries = 0
        for index, path in enumerate(summary_files):
            header, body = parse_summary_file(path)
            try:
                paper, user = papers[header["paper"]], users[header["user"]]
            except KeyError as e:
                raise CommandError(f"{path.name}: unknown paper or user {e}") from None
            existed = Summary.objects.filter(paper=paper, user=user).exists()
            summary = save_summary(
                paper=paper,
                user=user,
                body=body,
                visibility=header.get("visibility", "public"),
                is_anonymous=header.get("anonymous", "false").lower() == "true",
            )
            if not existed:
                created_summaries += 1
                when = now - timedelta(days=len(summary_files) - index, hours=index * 5 % 24)
                with transaction.atomic():
                    Summary.objects.filter(pk=summary.pk).update(created=when, edited=when)
                    summary.revisions.update(created=when)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {len(papers)} papers ({created_papers} new), {len(users)} users, "
                f"{len(summary_files)} summaries ({created_summaries} new)."
            )
        )
