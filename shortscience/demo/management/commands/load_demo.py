"""Load the demo library: real papers, demo users, summaries written for the demo, and a
few votes and comment threads on them.

Idempotent: papers are matched by their identifiers, users by username, summaries by
(paper, user), votes by (user, target), comments by (summary, user, parent, text); running
it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from io import StringIO
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from shortscience.community.models import Comment, Vote
from shortscience.community.services import cast_vote, post_comment, refresh_reputation
from shortscience.groups.models import ReadingGroup
from shortscience.groups.services import create_group, join, meeting_start, schedule_meeting
from shortscience.groups.services import post as add_post
from shortscience.lib.records import PaperRecord
from shortscience.library.services import upsert_paper
from shortscience.lists.services import add_paper, create_list, update_item
from shortscience.notifications.services import request_summary
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary, refresh_paper_stats
from shortscience.summaries.services import save_summary
from shortscience.web import changes

DEMO_DIR = Path(__file__).resolve().parents[2] / "data"


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


def load_discussion(data: dict, summaries: dict[str, Summary], users: dict) -> tuple[int, int]:
    """Demo votes and comment threads (demo/data/discussion.json), through the same services
    as the site. Votes are dated three days back, old enough to count for reputation;
    comments follow their summary by a few hours. Returns the numbers of new votes and
    comments: a vote or comment already there (same member, same target, same text) is left."""
    now = timezone.now()
    new_votes = new_comments = 0

    def vote(user, value: int, **target) -> None:
        nonlocal new_votes
        if Vote.objects.filter(user=user, **target).exists():
            return
        cast_vote(user, value=value, **target)
        Vote.objects.filter(user=user, **target).update(created=now - timedelta(days=3))
        new_votes += 1

    def thread(item: dict, summary: Summary, parent: Comment | None, hours: int) -> None:
        nonlocal new_comments
        user = users[item["user"]]
        comment = Comment.objects.filter(
            summary=summary, user=user, parent=parent, body=item["body"]
        ).first()
        if comment is None:
            comment = post_comment(user, summary, item["body"], parent=parent)
            when = min(summary.created + timedelta(hours=hours), now)
            Comment.objects.filter(pk=comment.pk).update(created=when)
            comment.revisions.update(created=when)
            new_comments += 1
        for username, value in item.get("votes", {}).items():
            vote(users[username], value, comment=comment)
        for reply in item.get("replies", []):
            thread(reply, summary, comment, hours + 2)

    for stem, username, value in data["votes"]:
        vote(users[username], value, summary=summaries[stem])
    for index, item in enumerate(data["comments"]):
        summary = Summary.objects.get(pk=summaries[item["summary"]].pk)  # its demo dates
        thread(item, summary, None, 3 + index % 5)
    return new_votes, new_comments


def load_groups(data: list[dict], papers: dict[str, Paper], users: dict) -> int:
    """The demo's reading groups, with past and upcoming meetings (days from today, at a
    time of day in the group's zone) and their discussions; a group already there is left
    as it is. How many were made."""
    made = 0
    today = timezone.now().date()
    for item in data:
        organiser = users[item["organiser"]]
        if ReadingGroup.objects.filter(name=item["name"]).exists():
            continue
        group = create_group(
            organiser,
            name=item["name"],
            description=item["description"],
            visibility=item["visibility"],
            time_zone=item["time_zone"],
        )
        for username in item["members"]:
            join(group, users[username], key=group.invite_key)
        for entry in item["meetings"]:
            day = today + timedelta(days=entry["days"])
            at = time.fromisoformat(entry["time"])
            meeting = schedule_meeting(
                group,
                organiser,
                paper=papers[entry["paper"]],
                starts_at=meeting_start(day, at, item["time_zone"]),
                minutes=entry["minutes"],
                time_zone=item["time_zone"],
                presenter=users[entry["presenter"]] if entry.get("presenter") else None,
                location=entry.get("location", ""),
                notes=entry.get("notes", ""),
            )
            for post in entry.get("posts", []):
                add_post(meeting, users[post["user"]], post["body"])
        made += 1
    return made


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
        summaries: dict[str, Summary] = {}
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
                    refresh_paper_stats([summary.paper_id])
            summaries[path.stem] = summary

        discussion = json.loads((DEMO_DIR / "discussion.json").read_text(encoding="utf-8"))
        new_votes, new_comments = load_discussion(discussion, summaries, users)
        refresh_reputation(users.values())
        # Reading lists: a public one in the directory, a private one for its owner.
        new_lists = 0
        for item in json.loads((DEMO_DIR / "lists.json").read_text(encoding="utf-8")):
            owner = users[item["user"]]
            if owner.reading_lists.filter(title=item["title"]).exists():
                continue
            reading_list = create_list(
                owner,
                title=item["title"],
                description=item["description"],
                visibility=item["visibility"],
            )
            for entry in item["papers"]:
                listed, _ = add_paper(reading_list, papers[entry["paper"]], note=entry["note"])
                update_item(listed, state=entry["state"])
            new_lists += 1
        new_groups = load_groups(
            json.loads((DEMO_DIR / "groups.json").read_text(encoding="utf-8")), papers, users
        )
        # Open summary requests, for /wanted and the papers' pages.
        new_requests = 0
        for item in json.loads((DEMO_DIR / "requests.json").read_text(encoding="utf-8")):
            paper = papers[item["paper"]]
            for username in item["users"]:
                if not paper.summary_requests.filter(user=users[username]).exists():
                    request_summary(users[username], paper)
                    new_requests += 1
        if created_papers:
            # Related papers for the demo library (30 papers: a fraction of a second).
            call_command("compute_related", stdout=StringIO(), stderr=StringIO())
        # Dates moved and members made outside the services: say that any page may differ.
        changes.everything()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content: {len(papers)} papers ({created_papers} new), {len(users)} users, "
                f"{len(summary_files)} summaries ({created_summaries} new), "
                f"{new_votes} new votes, {new_comments} new comments, "
                f"{new_requests} new summary requests, {new_lists} new reading lists, "
                f"{new_groups} new reading groups."
            )
        )
