"""The API's shapes, from which the OpenAPI document is written."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from shortscience.api.records import PAPER_FIELDS

BATCH_MAX = 500


def _storable(text: str) -> str:
    """Text a database can keep and XML can carry: no NUL (PostgreSQL refuses it) and no
    lone surrogate (not UTF-8 at all; JSON's \\ud800 escapes can spell one)."""
    if "\x00" in text:
        raise ValueError("a NUL character is not allowed")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text holds a lone surrogate, which is not Unicode text") from None
    return text


Text = Annotated[str, AfterValidator(_storable)]
PaperField = Literal[PAPER_FIELDS]  # type: ignore[valid-type]


class Venue(Schema):
    key: str
    name: str


class Identifiers(Schema):
    arxiv: str | None
    doi: str | None
    dblp: str | None
    openreview: str | None


class Paper(Schema):
    """A paper; in a batch, only `id` and the fields asked for."""

    id: int
    url: str | None = Field(None, description="the paper's page on this site")
    title: str | None = None
    year: int | None = None
    venue: Venue | None = None
    authors: list[str] | None = None
    identifiers: Identifiers | None = None
    summary_count: int | None = Field(None, description="public summaries")
    last_summary_at: datetime | None = Field(None, description="when a public summary last changed")
    abstract: str | None = None


class BatchIn(Schema):
    ids: list[Text] = Field(
        ...,
        max_length=BATCH_MAX,
        description="arXiv ids (with or without version or prefix), DOIs, DBLP keys, "
        "OpenReview ids, this site's ids, or URLs of any of them",
        examples=[["2106.15928", "arXiv:1706.03762v5", "10.48550/arXiv.1512.03385"]],
    )
    fields: list[PaperField] | None = Field(  # type: ignore[valid-type]
        None, description="the paper fields to return besides id (default: all)"
    )


class Match(Schema):
    id: str = Field(..., description="the identifier as given")
    paper: Paper | None


class Author(Schema):
    username: str
    display_name: str


class PaperRef(Schema):
    id: int
    title: str
    url: str


class Summary(Schema):
    id: int
    paper: PaperRef
    permalink: str
    author: Author | None = Field(..., description="null for an anonymous summary")
    body_markdown: str
    body_html: str
    score: int
    upvotes: int
    downvotes: int
    comment_count: int
    visibility: Literal["public", "private"] = Field(
        ..., description="private ones only its author reads, with a token"
    )
    created: datetime
    updated: datetime
    license: str


class SummaryPage(Schema):
    data: list[Summary]
    next_cursor: str | None


class FeedEntry(Schema):
    change: int = Field(..., description="this change's place in the feed")
    id: int = Field(..., description="the summary's id")
    changed: datetime
    deleted: bool = Field(..., description="no longer shown to anyone: drop your copy")
    summary: Summary | None


class SummaryFeed(Schema):
    data: list[FeedEntry]
    next_cursor: str = Field(..., description="pass back as cursor, now or later")
    has_more: bool


class PaperPage(Schema):
    data: list[Paper]
    total: int
    next_cursor: str | None


class User(Schema):
    username: str
    display_name: str
    url: str
    reputation: int
    summary_count: int = Field(..., description="public summaries signed with their name")
    joined: datetime


class Error(Schema):
    detail: str


class PaperIn(Schema):
    identifier: Text = Field(
        ...,
        max_length=2000,
        description="an arXiv id or URL, a DOI, a DBLP key, an OpenReview id or URL",
        examples=["1706.03762"],
    )


class SummaryIn(Schema):
    paper: Text = Field(
        "", max_length=2000, description="on POST: the paper, by any identifier the site reads"
    )
    body_markdown: Text = Field(..., description="Markdown with LaTeX math ($...$, $$...$$)")
    visibility: Literal["public", "private"] | None = Field(
        None, description="default: public on POST, unchanged on PUT"
    )
    anonymous: bool | None = Field(
        None, description="shown without your name (default: no on POST, unchanged on PUT)"
    )


class CommentIn(Schema):
    body_markdown: Text
    parent: int | None = Field(None, description="the comment this one answers")


class Comment(Schema):
    id: int
    summary_id: int
    parent_id: int | None
    permalink: str
    author: Author | None = Field(..., description="null once the comment is deleted")
    body_markdown: str
    body_html: str
    score: int
    created: datetime
    updated: datetime | None
    license: str


class VoteIn(Schema):
    value: Literal[-1, 0, 1] = Field(..., description="+1, -1, or 0 to withdraw your vote")


class VoteOut(Schema):
    value: int = Field(..., description="your vote now")
    upvotes: int
    downvotes: int


class ListItem(Schema):
    position: int = Field(..., description="its place in the list, from 0")
    paper: Paper
    note: str
    state: Literal["to_read", "read"]
    added: datetime


class ReadingList(Schema):
    id: str = Field(..., description="the list's key, as in its address")
    url: str
    title: str
    description: str
    visibility: Literal["public", "unlisted", "private"]
    owner: Author
    created: datetime
    updated: datetime
    item_count: int
    items: list[ListItem] | None = Field(None, description="in order; left out of the directory")


class ListPage(Schema):
    data: list[ReadingList]
    next_cursor: str | None


class ListIn(Schema):
    title: Text = Field(..., max_length=200)
    description: Text = Field("", max_length=2000)
    visibility: Literal["public", "unlisted", "private"] = "private"


class PapersIn(Schema):
    ids: list[Text] = Field(
        ...,
        max_length=BATCH_MAX,
        description="papers by any identifier the batch look-up reads",
        examples=[["1706.03762", "10.48550/arXiv.1512.03385"]],
    )
    note: Text = Field("", max_length=2000, description="a note for each paper added")


class PapersDone(Schema):
    done: int = Field(..., description="papers added, or requests made, by this call")
    unknown: list[str] = Field(..., description="the identifiers no paper of the library has")


class Meeting(Schema):
    id: int
    url: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str = Field(..., description="the zone its organisers gave its time in")
    paper: Paper
    presenter: Author | None
    location: str


class Group(Schema):
    id: str = Field(..., description="the group's slug, as in its address")
    url: str
    name: str
    description: str
    visibility: Literal["public", "members"] = Field(
        ..., description="members-only groups answer their members' tokens alone"
    )
    calendar_url: str = Field(..., description="its programme as iCalendar")
    member_count: int
    members: list[Author] | None = Field(None, description="left out of the directory")
    upcoming: list[Meeting] | None = Field(None, description="soonest first")
    past: list[Meeting] | None = Field(None, description="latest first, the last 50")


class GroupPage(Schema):
    data: list[Group]
    next_cursor: str | None
