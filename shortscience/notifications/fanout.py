"""Who hears about a new comment or summary: run by the background worker, from the tasks the
community and summaries apps queue with their writes (web/tasks.py), never in the request.

Each run tells at most BATCH followers and queues the rest as a new task in the same
transaction, so a paper with 10,000 followers never holds the write lock for long, and a
worker stopped half way leaves the rest to be told, once. A batch leaves out whoever was
told about the same comment or summary already: a member who follows both a summary and a
thread under it hears once, and the first reason wins (a summary's author hears "a comment
on your summary", not "a comment in a discussion you follow").

Read at run time, not at write time: a comment hidden or deleted, or a summary made private,
before the worker came to it is told to nobody.

Several workers (PostgreSQL) may hold tasks about the same summary at once (published, made
private and published again before the worker came): each handler locks the row it tells
about until its transaction commits, so the second reads who the first told and skips them.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from shortscience.accounts.models import AuthorClaim
from shortscience.community.models import Comment
from shortscience.groups.models import Meeting, Membership
from shortscience.notifications.models import Follow, Notification, SummaryRequest
from shortscience.notifications.services import deliver, thread_root
from shortscience.summaries.models import Summary
from shortscience.web import changes, tasks

Kind = Notification.Kind
BATCH = 500


def _followers(follows, after: int) -> tuple[list[int], int | None]:
    """One batch of follower ids after the Follow row `after`, and where the next starts
    (None when this batch was the last)."""
    rows = list(follows.filter(pk__gt=after).order_by("pk").values_list("pk", "user_id")[:BATCH])
    following = [user_id for _, user_id in rows]
    return following, (rows[-1][0] if len(rows) == BATCH else None)


@tasks.handler("comment_posted")
def comment_posted(comment_id: int, after: int = 0) -> None:
    """A comment was posted: tell the summary's author, the parent comment's author and
    the followers of the summary or of the thread. The commenter follows the thread."""
    comment = (
        Comment.objects.select_related("summary__paper", "parent")
        .select_for_update(of=("self",))
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or comment.is_hidden or comment.is_deleted:
        return
    summary = comment.summary
    root = thread_root(comment)
    if after == 0:
        Follow.objects.get_or_create(user_id=comment.user_id, comment=root)
    # The reasons that outrank following, in order: offered in the first batch only, and
    # kept out of the followers of every batch.
    first: dict[int, str] = {summary.user_id: Kind.COMMENT_ON_SUMMARY}
    parent = comment.parent if comment.parent_id else None
    if summary.is_public and parent is not None and not parent.is_deleted:
        first.setdefault(parent.user_id, Kind.REPLY_TO_COMMENT)
    first.pop(comment.user_id, None)  # nobody is told about their own comment
    recipients = dict(first) if after == 0 else {}
    following, next_after = [], None
    if summary.is_public:
        follows = Follow.objects.filter(Q(summary=summary) | Q(comment=root))
        following, next_after = _followers(follows, after)
    told = set(
        Notification.objects.filter(comment=comment, recipient_id__in=following).values_list(
            "recipient_id", flat=True
        )
    )
    for user_id in following:
        if user_id != comment.user_id and user_id not in first and user_id not in told:
            recipients.setdefault(user_id, Kind.COMMENT_IN_FOLLOWED)
    deliver(recipients, paper=summary.paper, summary=summary, comment=comment)
    if next_after is not None:
        tasks.enqueue("comment_posted", comment_id=comment_id, after=next_after)


@tasks.handler("summary_saved")
def summary_saved(summary_id: int, created: bool, became_public: bool, after: int = 0) -> None:
    """A summary was saved: its author follows it on creation; when it became public, tell
    the paper's claimed authors and its followers (once per summary, whatever its later
    changes of visibility)."""
    summary = (
        Summary.objects.select_related("paper", "user")
        .select_for_update(of=("self",))
        .filter(pk=summary_id)
        .first()
    )
    if summary is None:
        return
    if created and after == 0:
        Follow.objects.get_or_create(user_id=summary.user_id, summary=summary)
    if not became_public or not summary.is_public:
        return
    claimants = list(
        AuthorClaim.objects.filter(
            paper_id=summary.paper_id, status=AuthorClaim.Status.APPROVED
        ).values_list("user_id", flat=True)
    )
    # The summary ends every open request for its paper, and each requester hears of it
    # (all in the first run: requests are few beside follows, one per member who asked).
    requesters = _end_requests(summary) if after == 0 else []
    first = claimants + requesters if after == 0 else []
    following, next_after = _followers(Follow.objects.filter(paper_id=summary.paper_id), after)
    offered = first + following
    # Private -> public -> private -> public tells nobody twice.
    told = set(
        Notification.objects.filter(
            summary=summary,
            kind__in=[
                Kind.SUMMARY_OF_CLAIMED_PAPER,
                Kind.SUMMARY_REQUESTED,
                Kind.SUMMARY_ON_FOLLOWED_PAPER,
            ],
            recipient_id__in=offered,
        ).values_list("recipient_id", flat=True)
    )
    recipients: dict[int, str] = {}
    if after == 0:
        for user_id in claimants:
            recipients.setdefault(user_id, Kind.SUMMARY_OF_CLAIMED_PAPER)
        for user_id in requesters:
            recipients.setdefault(user_id, Kind.SUMMARY_REQUESTED)
    for user_id in following:
        if user_id not in first:
            recipients.setdefault(user_id, Kind.SUMMARY_ON_FOLLOWED_PAPER)
    for user_id in [summary.user_id, *told]:
        recipients.pop(user_id, None)
    deliver(recipients, paper=summary.paper, summary=summary)
    if after == 0:
        _tell_groups(summary, skip={summary.user_id, *told, *recipients})
    if next_after is not None:
        tasks.enqueue(
            "summary_saved",
            summary_id=summary_id,
            created=created,
            became_public=became_public,
            after=next_after,
        )


# A summary is "for" a meeting of its paper that is coming or ended at most this long ago.
MEETING_SUMMARY_WINDOW = timedelta(days=60)


def _tell_groups(summary: Summary, skip: set[int]) -> None:
    """A signed public summary by a member of a reading group, of a paper the group meets
    (or met lately) about: the group's other members hear of it, once per group (the
    meeting nearest in time). Never an anonymous one: told to a group, its author would be
    named as one of them."""
    if summary.is_anonymous:
        return
    groups = Membership.objects.filter(user_id=summary.user_id).values("group_id")
    meetings = Meeting.objects.filter(
        group_id__in=groups,
        paper_id=summary.paper_id,
        ends_at__gte=timezone.now() - MEETING_SUMMARY_WINDOW,
    ).order_by("starts_at", "pk")
    nearest = {}
    for meeting in meetings.select_related("group"):
        nearest.setdefault(meeting.group_id, meeting)
    for meeting in nearest.values():
        members = Membership.objects.filter(group_id=meeting.group_id).values_list(
            "user_id", flat=True
        )
        told = set(
            Notification.objects.filter(
                summary=summary, kind=Kind.MEETING_SUMMARY, recipient_id__in=members
            ).values_list("recipient_id", flat=True)
        )
        recipients = {
            user_id: Kind.MEETING_SUMMARY
            for user_id in members
            if user_id not in skip and user_id not in told
        }
        deliver(recipients, paper=summary.paper, summary=summary, meeting=meeting)
        skip |= set(recipients)


@tasks.handler("meeting_scheduled")
def meeting_scheduled(meeting_id: int, by: int, presenter_only: bool = False) -> None:
    """A new meeting: the group's members hear of it (not the organiser who scheduled it);
    its presenter with an invitation to write the summary, once per naming (a presenter
    named by an edit, presenter_only, is told though they heard of the meeting as a member).
    Read now: a meeting cancelled before the worker came is told to nobody."""
    meeting = Meeting.objects.select_related("group", "paper").filter(pk=meeting_id).first()
    if meeting is None:
        return
    told = Notification.objects.filter(meeting=meeting, kind=Kind.MEETING_SCHEDULED)
    recipients = {}
    if not presenter_only:
        already = set(told.values_list("recipient_id", flat=True))
        members = Membership.objects.filter(group_id=meeting.group_id).values_list(
            "user_id", flat=True
        )
        recipients = {
            user_id: Kind.MEETING_SCHEDULED
            for user_id in members
            if user_id != by and user_id not in already
        }
    presenter = meeting.presenter_id
    if (
        presenter is not None
        and presenter != by
        and meeting.presenter_since is not None
        and not told.filter(recipient_id=presenter, created__gte=meeting.presenter_since).exists()
    ):
        recipients[presenter] = Kind.MEETING_SCHEDULED
    deliver(recipients, paper=meeting.paper, meeting=meeting)


def _end_requests(summary: Summary) -> list[int]:
    """End the open requests for the summary's paper (this public summary answers them);
    who asked. The summary's own author is ended too, and told nothing (their own work)."""
    requests = SummaryRequest.objects.open().filter(paper_id=summary.paper_id)
    requesters = list(requests.values_list("user_id", flat=True))
    if requesters:
        requests.update(ended=timezone.now(), ended_by=summary)
        changes.changed(papers=[summary.paper_id], lists=[changes.WANTED])
    return requesters


@tasks.handler("requests_to_answer")
def requests_to_answer(paper_id: int) -> None:
    """Open requests landed on a paper that has a public summary (a merge moved the one or
    the other): its best public summary ends them, and each requester hears of it."""
    summary = (
        Summary.objects.public()
        .filter(paper_id=paper_id)
        .select_related("paper", "user")
        .order_by("-wilson", "-edited", "-pk")
        .first()
    )
    if summary is None:
        return
    told = set(
        Notification.objects.filter(summary=summary, kind=Kind.SUMMARY_REQUESTED).values_list(
            "recipient_id", flat=True
        )
    )
    recipients = {
        user_id: Kind.SUMMARY_REQUESTED
        for user_id in _end_requests(summary)
        if user_id != summary.user_id and user_id not in told
    }
    deliver(recipients, paper=summary.paper, summary=summary)
