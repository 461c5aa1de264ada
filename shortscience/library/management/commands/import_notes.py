"""Import a folder of Markdown paper notes as one member's summaries (library/notes.py).

Idempotent: a note whose summary already says the same is counted unchanged and writes
nothing; a changed note updates the summary through save_summary, which keeps the earlier
text as a revision. A note that cannot become a summary is reported and skipped.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shortscience.lib.progress import Progress
from shortscience.library.notes import NoteSkipped, import_note
from shortscience.summaries.models import Summary


def note_files(folder: Path) -> list[Path]:
    """The folder's *.md files, at any depth, in path order. A collection's README.md (its
    index, which links every paper) and hidden folders (.git, .github) hold no notes; a
    link that leads out of the folder is not followed (the notes are the folder's)."""
    inside = folder.resolve()
    return sorted(
        path
        for path in folder.rglob("*.md")
        if path.is_file()
        and path.resolve().is_relative_to(inside)
        and path.name.lower() != "readme.md"
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


class Command(BaseCommand):
    help = (
        "Import a folder of Markdown paper notes (*.md, at any depth; README.md and hidden "
        "folders aside) as a member's summaries, one paper per file, named by the file's first "
        "arXiv/DOI/OpenReview/DBLP link, an identifier in its first heading, or its first "
        "heading as the title of a paper already in the library. Re-running changes nothing; a "
        "note edited since updates the summary (the old text stays in its history). Files "
        "that cannot be imported are listed on stderr and skipped; the exit status is then 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="folder of Markdown notes")
        parser.add_argument("--user", required=True, help="the member who wrote the notes")
        # Each pair: unsaid, a summary the member has already keeps its own (a private draft
        # written on the site stays private); a new one is public and signed.
        shown = parser.add_mutually_exclusive_group()
        shown.add_argument(
            "--private",
            dest="private",
            action="store_true",
            default=None,
            help="only the member can see the summaries",
        )
        shown.add_argument(
            "--public",
            dest="private",
            action="store_false",
            help="everyone can see them (existing private ones too)",
        )
        named = parser.add_mutually_exclusive_group()
        named.add_argument(
            "--anonymous",
            dest="anonymous",
            action="store_true",
            default=None,
            help="publish without the member's name",
        )
        named.add_argument(
            "--signed",
            dest="anonymous",
            action="store_false",
            help="with the member's name (existing anonymous ones too)",
        )

    def handle(self, *args, folder, user, anonymous, private, **options):
        member = get_user_model().objects.filter(username=user, is_active=True).first()
        if member is None:
            raise CommandError(f"No member with the username {user!r}.")
        if member.is_banned:
            raise CommandError(f"{user} is banned and cannot post summaries.")
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{folder}: no such folder")
        paths = note_files(root)
        if not paths:
            raise CommandError(f"{folder}: no .md files in it")
        visibility = {
            True: Summary.Visibility.PRIVATE,
            False: Summary.Visibility.PUBLIC,
            None: None,
        }[private]
        tally: Counter[str] = Counter()
        claimed: dict[int, str] = {}
        progress = Progress(len(paths), "notes: ", out=self.stderr)
        for path in paths:
            try:
                _, status = import_note(
                    path,
                    user=member,
                    visibility=visibility,
                    is_anonymous=anonymous,
                    claimed=claimed,
                )
            except NoteSkipped as e:
                status = "skipped"
                self.stderr.write(f"skipped {path}: {e}")
            tally[status] += 1
            progress.advance()
        progress.finish()
        self.stdout.write(
            f"{len(paths)} files: created {tally['created']}, updated {tally['updated']}, "
            f"unchanged {tally['unchanged']}, skipped {tally['skipped']}"
        )
        if tally["skipped"]:
            # After the rest were imported: a script or cron job learns that some were not.
            raise CommandError(f"{tally['skipped']} of {len(paths)} files were skipped (above).")
