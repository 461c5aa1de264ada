"""Reading together at scale: the pages of issue 17 rendered without the page cache.

    .venv/bin/python bench/reading.py --database-url postgres://... [--database-url sqlite:///...]

On a corpus from bench/make_corpus.py, first sets up (once; a second run finds it) through the
site's own services: a public reading group of 40 members with 200 meetings (100 past, 100 to
come) on random papers and 20 posts on one meeting, a public reading list of 1,000 random
papers with notes, and 20,000 open summary requests by 2,000 members over 8,000 papers. Then
each page is requested in one process through Django's test client with the page cache
off, once to warm the process, then `--repeat` times: the median and the queries one
request ran. Results go to docs/benchmarks.md (between the reading markers).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from uncached import run, timed_page  # noqa: E402

GROUP = "Bench reading group"
LIST = "Bench reading list"


def set_up() -> None:
    """The group, the list and the requests, made through the services (once)."""
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from shortscience.groups import services as groups
    from shortscience.groups.models import ReadingGroup
    from shortscience.lists import services as lists
    from shortscience.notifications.services import request_summaries
    from shortscience.papers.models import Paper

    if ReadingGroup.objects.filter(name=GROUP).exists():
        return
    rng = random.Random(17)
    User = get_user_model()
    members = [
        User.objects.get_or_create(username=f"reader{n}", defaults={"display_name": f"Reader {n}"})[
            0
        ]
        for n in range(2000)
    ]
    top = Paper.objects.order_by("-pk").values_list("pk", flat=True).first()

    def papers(n: int) -> list:
        ids = rng.sample(range(1, top + 1), n * 2)
        found = list(Paper.objects.filter(pk__in=ids, merged_into__isnull=True)[:n])
        rng.shuffle(found)
        return found

    organiser = members[0]
    group = groups.create_group(organiser, name=GROUP, time_zone="Europe/Paris")
    for member in members[1:40]:
        groups.join(group, member)
    now = timezone.now()
    for n, paper in enumerate(papers(200)):
        meeting = groups.schedule_meeting(
            group,
            organiser,
            paper=paper,
            starts_at=now + timedelta(days=7 * (n - 100)),
            minutes=90,
            time_zone="Europe/Paris",
            presenter=members[1 + n % 39],
            location="Room 4",
            notes="",
        )
    for n in range(20):
        groups.post(meeting, members[1 + n % 39], f"Post {n} on $x^{n}$ and the proof.")
    reading_list = lists.create_list(organiser, title=LIST, visibility="public")
    lists.add_papers(reading_list, [p.pk for p in papers(1000)], note="Section 3 first.")
    wanted = papers(8000)
    for member in members:
        request_summaries(member, rng.sample(wanted, 10))
    # The planner's statistics of the tables just filled, as autovacuum would take them
    # on a site that has been running (stale, it misjudged 17,000 requests as 22 rows).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(repeat: int) -> dict:
    """Inside a process whose DATABASE_URL is the corpus: page -> (ms, queries)."""
    import django

    django.setup()
    from django.test import Client

    set_up()
    from shortscience.groups.models import ReadingGroup
    from shortscience.lists.models import ReadingList

    client = Client()

    def timed(url: str, times: int) -> tuple[float, int]:
        return timed_page(client, url, times)

    group = ReadingGroup.objects.get(name=GROUP)
    meeting = group.meetings.past().first()
    reading_list = ReadingList.objects.get(title=LIST)
    pages = {
        "group page (200 meetings: 100 upcoming, the last 50 past; 40 members)": group.get_absolute_url(),
        "meeting page (20 posts)": meeting.get_absolute_url(),
        "group calendar (.ics, 200 meetings)": f"{group.get_absolute_url()}/calendar.ics",
        "groups directory": "/groups",
        f"reading list of {reading_list.item_count:,} papers": reading_list.get_absolute_url(),
        f"reading list of {reading_list.item_count:,} papers, BibTeX": f"{reading_list.get_absolute_url()}/bibtex",
        "lists directory": "/lists",
        "/wanted (20,000 open requests over 8,000 papers)": "/wanted",
        "/wanted?field=cs": "/wanted?field=cs",
        "/wanted, page 5": "/wanted?page=5",
    }
    return {name: timed(url, repeat) for name, url in pages.items()}


def main() -> None:
    run(
        __file__,
        measure,
        "reading",
        "## Reading together at 1M papers (`bench/reading.py`)",
        "on the 1M-paper corpus of `bench/make_corpus.py` with a reading group, a list and "
        "requests made through the services (the script's docstring says what): each page "
        "rendered in one process through Django's test client with the page cache off, after "
        "one warm-up request, median of {repeat}. The query counts do not grow with the data "
        "(the tests assert it for the group, meeting and list pages and /wanted).",
    )


if __name__ == "__main__":
    main()
