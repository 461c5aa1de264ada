"""OpenReview: a submission by its forum id, from the API's `/notes` endpoint.

API v2 (api2.openreview.net) wraps every content field as {"value": ...}; notes from venues
run on API v1 come with plain values. Both shapes are read here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings

from shortscience.lib.identifiers import OPENREVIEW_RE
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import http_client

NAME = "OpenReview"
SITE = "https://openreview.net"

# OpenReview's venue groups whose DBLP prefix is known, so that a paper found here and the
# same paper found through DBLP land in one venue; other groups get openreview/<group>.
DBLP_VENUES = {
    "iclr.cc": "conf/iclr",
    "neurips.cc": "conf/nips",
    "nips.cc": "conf/nips",
    "icml.cc": "conf/icml",
    "tmlr": "journals/tmlr",
}
# venueid suffixes OpenReview gives papers a venue did not accept (or has not yet).
NOT_ACCEPTED = re.compile(
    r"/(?:Rejected|Withdrawn|Desk_Rejected|Blind)?_?Submission$|/(?:Rejected|Withdrawn)$",
    re.IGNORECASE,
)
YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def parse(payload: bytes | str) -> list[PaperRecord]:
    """A `/notes?id=` or `/notes?forum=` answer -> a record per submission note in it
    (the note whose id is its forum); reviews and comments in a forum answer are skipped."""
    try:
        data = json.loads(payload)
    except ValueError:
        raise ImportFailed("OpenReview's answer is not JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        message = data.get("message") if isinstance(data, dict) else None
        raise ImportFailed(f"OpenReview's answer has no notes: {message or 'no reason given'}")
    return [
        _record(note)
        for note in data["notes"]
        if isinstance(note, dict) and note.get("id") and note.get("id") == note.get("forum")
    ]


def fetch(forum_id: str) -> PaperRecord | None:
    forum_id = forum_id.strip()
    if not OPENREVIEW_RE.match(forum_id):
        # Checked here because the API reads a missing or odd id as no filter at all.
        raise ImportFailed(f"{forum_id!r} is not an OpenReview id.")
    base = settings.OPENREVIEW_API_URL.rstrip("/")
    response = http_client().get(
        f"{base}/notes", params={"id": forum_id}, accept="application/json"
    )
    if response.status == 404:
        return None
    if response.status != 200:
        try:
            reason = json.loads(response.body).get("message", "")
        except (ValueError, AttributeError):
            reason = ""
        raise ImportFailed(
            f"OpenReview answered HTTP {response.status} for {forum_id}: {reason or 'no reason'}"
        )
    records = parse(response.body)
    return records[0] if records else None


def _value(content: dict, field: str) -> Any:
    """A content field in either API shape: v2 {"value": x}, v1 x."""
    raw = content.get(field)
    if isinstance(raw, dict):
        return raw.get("value")
    return raw


def _text(content: dict, field: str) -> str:
    value = _value(content, field)
    return value.strip() if isinstance(value, str) else ""


def _strings(content: dict, field: str) -> list[str]:
    value = _value(content, field)
    if isinstance(value, str):
        value = value.split(",")  # some v1 notes list keywords in one string
    if not isinstance(value, list):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def _record(note: dict) -> PaperRecord:
    content = note.get("content") or {}
    forum = note["forum"]
    title = " ".join(_text(content, "title").split())
    if not title:
        raise ImportFailed(f"OpenReview note {forum} has no title.")
    venue = _text(content, "venue")
    # v1 notes may lack venueid; their invitation names the venue: ICLR.cc/2018/Conference/-/...
    venueid = _text(content, "venueid") or (note.get("invitation") or "").split("/-/", 1)[0]
    published = _date(note.get("pdate")) or _date(note.get("cdate")) or _date(note.get("tcdate"))
    year_match = YEAR.search(venue) or YEAR.search(venueid)
    year = int(year_match.group(1)) if year_match else (published.year if published else None)
    accepted = bool(venueid) and not NOT_ACCEPTED.search(venueid)
    if venue.lower().startswith("submitted to"):
        accepted = False
    # A submission a venue did not accept is only a preprint on OpenReview: naming the
    # venue would tell readers it appeared there.
    venue_key = _venue_key(venueid) if accepted else ""
    if not accepted:
        kind = "preprint"
    elif venue_key.startswith("journals/"):
        kind = "journal"
    else:
        kind = "conference"
    extra = {k: v for k, v in (("venue", venue), ("venueid", venueid)) if v}
    pdf = _text(content, "pdf")
    return PaperRecord(
        title=title,
        authors=_authors(content),
        abstract=_text(content, "abstract").replace("\r\n", "\n"),
        year=year,
        published=published,
        venue_key=venue_key,
        # The site's venue is the series (conf/iclr), not one year's "ICLR 2021 Oral";
        # that string stays in extra["venue"].
        venue_name=_venue_name(venueid) if accepted else "",
        venue_kind=kind,
        keywords=_strings(content, "keywords"),
        source=NAME,
        identifiers={"openreview": forum},
        links=[{"label": "PDF", "url": SITE + pdf}] if pdf.startswith("/") else [],
        extra=extra,
    )


def _authors(content: dict) -> list[AuthorInfo]:
    names = _value(content, "authors")
    ids = _value(content, "authorids")
    names = names if isinstance(names, list) else []
    ids = ids if isinstance(ids, list) else []
    authors = []
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            continue
        name = " ".join(name.split())
        profile = ids[i].strip() if i < len(ids) and isinstance(ids[i], str) else ""
        # "~First_Last1" is OpenReview's disambiguated profile id; v1 notes often list
        # e-mail addresses instead, which are not ours to keep.
        authors.append(AuthorInfo(name=name, match_name=profile if profile[:1] == "~" else ""))
    return authors


def _venue_key(venueid: str) -> str:
    group = venueid.split("/", 1)[0].lower()
    if not group:
        return ""
    # Workshops hosted under a conference's group (NeurIPS.cc/2023/Workshop/...) are not
    # in its proceedings, so they never take the conference's DBLP prefix.
    if "/workshop" not in venueid.lower() and group in DBLP_VENUES:
        return DBLP_VENUES[group]
    return f"openreview/{group}"


def _venue_name(venueid: str) -> str:
    """The series a venue id names: ICLR.cc/2018/Conference -> "ICLR"."""
    return venueid.split("/", 1)[0].split(".", 1)[0]


def _date(millis: Any) -> date | None:
    if not isinstance(millis, int | float) or millis <= 0:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return None
