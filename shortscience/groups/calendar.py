"""A group's programme as an iCalendar (RFC 5545) document, for calendar programs to
subscribe to: one VEVENT per meeting, its time in UTC (every program shows it in its
reader's zone), a UID that stays with the meeting and a SEQUENCE that grows with each change,
so that a moved meeting moves in the subscribers' calendars instead of doubling."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from shortscience.groups.models import Meeting, ReadingGroup
from shortscience.web.links import absolute

PRODID = "-//ShortScience//Reading groups//EN"


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line ends as \\n."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character:
    each continuation starts with one space."""
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        # The first line holds 75 octets; the next ones 74 after their leading space.
        if size + width > (75 if not out else 74):
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def document(group: ReadingGroup, meetings: Iterable[Meeting]) -> str:
    """The calendar of `group` with these meetings (their paper and presenter selected)."""
    host = settings.SITE_ROOT.split("://", 1)[-1].split("/", 1)[0] or "shortscience"
    # With METHOD:PUBLISH, DTSTAMP is when this copy was made (RFC 5545 3.8.7.2).
    now = datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        # The calendar's name: RFC 7986's NAME, and the older X-WR-CALNAME most programs read.
        f"NAME:{escape(group.name)}",
        f"X-WR-CALNAME:{escape(group.name)}",
    ]
    for meeting in meetings:
        title = meeting.paper.title_text
        description = [f"Paper: {title}", absolute(meeting.paper.get_absolute_url())]
        if meeting.presenter is not None:
            description.insert(1, f"Presented by {meeting.presenter.shown_name}")
        if meeting.notes:
            description.append(meeting.notes)
        url = absolute(meeting.get_absolute_url())
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{meeting.pk}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"LAST-MODIFIED:{_stamp(meeting.updated)}",
            f"DTSTART:{_stamp(meeting.starts_at)}",
            f"DTEND:{_stamp(meeting.ends_at)}",
            f"SEQUENCE:{meeting.sequence}",
            f"SUMMARY:{escape(f'{group.name}: {title}')}",
            f"DESCRIPTION:{escape(chr(10).join(description))}",
            f"URL:{url}",
        ]
        if meeting.location:
            lines.append(f"LOCATION:{escape(meeting.location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
