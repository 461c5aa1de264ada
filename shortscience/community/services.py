"""Writes of the community: votes on summaries and comments, comments, and reputation.

Every write that changes a count changes it in the same transaction, with F() on the row,
after taking that row's lock: the denormalized counts on Summary and Comment are what the
pages show and sort by, and they must equal the rows they count.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from shortscience.accounts.permissions import check_member
from shortscience.community.models import Comment, CommentRevision, Vote, visible_comment_q
from shortscience.lib import markup, text
from shortscience.lib.progress import Progress
from shortscience.papers.services import typeset_writing
from shortscience.ranking.scores import wilson_lower_bound
from shortscience.ranking.viewcount import views_today
from shortscience.summaries.models import Summary, public_q
from shortscience.web import changes, tasks

# -- Votes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    value: int  # the voter's vote after the call: +1, -1 or 0 (none)
    upvotes: int
    downvotes: int

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes


def cast_vote(user, *, summary: Summary | None = None, comment: Comment | None = None, value: int):
    """Set `user`'s vote on one summary or comment to +1, -1 or 0 (withdraw).

    The voter's old vote and the new one decide the change to the target's counts:

        old   new   upvotes  downvotes  Vote row
         0    +1      +1        .       inserted (created = now)
         0    -1       .       +1       inserted (created = now)
        +1    -1      -1       +1       value changed, created = now
        -1    +1      +1       -1       value changed, created = now
        +1     0      -1        .       deleted
        -1     0       .       -1       deleted
         v     v       .        .       untouched (created keeps its time)

    `Vote.created` is when the vote took its current value, so that reputation, which
    counts only votes older than two days, sees a changed vote as a new one.

    Concurrency: the target row is locked first (SELECT ... FOR UPDATE on PostgreSQL; an
    IMMEDIATE transaction holds SQLite's one write lock from BEGIN). Every vote on a target
    queues on that lock, so the voter's old vote read next is current, two first votes by
    one user cannot both insert, and the counts read under the lock are the ones the F()
    update changes: the Wilson score computed from them is the row's own.
    """
    if (summary is None) == (comment is None):
        raise TypeError("cast_vote takes exactly one of summary= or comment=")
    if value not in (-1, 0, 1):
        raise ValidationError("A vote is +1, -1 or 0 (withdraw).")
    check_member(user)
    model: type[Summary] | type[Comment]
    if summary is not None:
        model, field, pk = Summary, "summary", summary.pk
    else:
        model, field, pk = Comment, "comment", comment.pk  # type: ignore[union-attr]
    with transaction.atomic():
        target = _lock_vote_target(model, pk)
        _check_can_vote(user, target)
        vote = Vote.objects.filter(user=user, **{field: target}).first()
        old = vote.value if vote is not None else 0
        if old == value:
            return VoteResult(value, target.upvotes, target.downvotes)
        if value == 0:
            vote.delete()  # type: ignore[union-attr]
        elif vote is None:
            Vote.objects.create(user=user, value=value, created=timezone.now(), **{field: target})
        else:
            vote.value, vote.created = value, timezone.now()
            vote.save(update_fields=["value", "created"])
        d_up = (value == 1) - (old == 1)
        d_down = (value == -1) - (old == -1)
        up, down = target.upvotes + d_up, target.downvotes + d_down
        ranking = {"wilson": wilson_lower_bound(up, down)}
        if isinstance(target, Summary):
            # The home page's "Popular" key moves with the score, in this same transaction.
            views = views_today([target.paper_id]).get(target.paper_id, 0)
            ranking["hot"] = target.compute_hot(up - down, views)
        model.objects.filter(pk=pk).update(
            upvotes=F("upvotes") + d_up, downvotes=F("downvotes") + d_down, **ranking
        )
        _say_vote_changed(target)
    return VoteResult(value, up, down)


def _say_vote_changed(target: Summary | Comment) -> None:
    """A summary's score shows on its paper's pages and orders the summary lists (Best,
    Popular, Top recent); a comment's shows in its thread, on its paper's summary page."""
    if isinstance(target, Summary):
        changes.changed(papers=[target.paper_id], lists=[changes.SUMMARIES])
    elif target.summary.is_public:
        changes.changed(papers=[target.summary.paper_id])


_WHO_MAY_SEE = ("user_id", "visibility", "is_hidden")


def _lock_vote_target(model, pk: int):
    # Only the counts and what decides who may vote: not a 100 kB body under a lock.
    if model is Comment:
        # of=("self",): lock the comment, not the summary joined to check who may see it.
        return (
            Comment.objects.select_for_update(of=("self",))
            .select_related("summary")
            .only(
                "user_id",
                "is_deleted",
                "is_hidden",
                "upvotes",
                "downvotes",
                "summary__paper_id",
                *(f"summary__{name}" for name in _WHO_MAY_SEE),
            )
            .get(pk=pk)
        )
    return (
        Summary.objects.select_for_update()
        .only(*_WHO_MAY_SEE, "upvotes", "downvotes", "paper", "created")
        .get(pk=pk)
    )


def _check_can_vote(user, target: Summary | Comment) -> None:
    if target.user_id == user.pk:
        raise PermissionDenied("You cannot vote on your own work.")
    if isinstance(target, Comment):
        # Hidden comments take no votes, even from the few who may still see them.
        visible = target.text_shown_to(user) and not target.is_hidden
    else:
        visible = target.can_view(user)
    if not visible:
        raise PermissionDenied("This is not open to votes.")


# -- Comments --------------------------------------------------------------------------


def validate_comment_body(body: str) -> str:
    # Posting, editing and the preview all come through here (lib/text.py says why).
    body = text.clean(body.replace("\r\n", "\n"))
    if not body.strip():
        raise ValidationError("A comment cannot be empty.")
    if len(body) > settings.COMMENT_MAX_CHARS:
        raise ValidationError(
            f"A comment can be at most {settings.COMMENT_MAX_CHARS:,} characters; "
            f"this one has {len(body):,}."
        )
    return body


def render_comment_body(body: str, *, prefix: str) -> markup.Rendered:
    """The body rendered; ValidationError for a body over the markup budget."""
    # Footnote ids carry the comment's id (or, before it has one, a random token) so that
    # two comments on one page do not share "fn1".
    return typeset_writing(body, id_prefix=f"c{prefix}-")


def post_comment(user, summary: Summary, body: str, parent: Comment | None = None) -> Comment:
    """Post a comment on `summary`, or a reply to `parent` on the same summary.

    Replies nest at most COMMENT_MAX_DEPTH deep (top-level comments have depth 0). A reply
    to a comment at the cap attaches to that comment's parent, as its sibling at the cap:
    the thread stays readable on a phone, and the reply still follows the one it answers,
    since siblings are ordered by score and then by age.
    """
    check_member(user)
    body = validate_comment_body(body)
    # Rendered before the transaction: the write lock is held for milliseconds, not for KaTeX.
    rendered = render_comment_body(body, prefix=uuid.uuid4().hex[:12])
    if not summary.can_view(user):
        raise PermissionDenied("You cannot comment on a summary you cannot see.")
    with transaction.atomic():
        parent_id, depth = None, 0
        if parent is not None:
            parent = Comment.objects.get(pk=parent.pk)
            if parent.summary_id != summary.pk:
                raise ValidationError("That comment is on another summary.")
            parent.summary = summary
            if not parent.text_shown_to(user):
                raise ValidationError("That comment was removed; it takes no more replies.")
            if parent.depth >= settings.COMMENT_MAX_DEPTH:
                parent_id, depth = parent.parent_id, parent.depth
            else:
                parent_id, depth = parent.pk, parent.depth + 1
        comment = Comment.objects.create(
            summary=summary,
            user=user,
            parent_id=parent_id,
            depth=depth,
            body=body,
            body_html=rendered.html,
        )
        CommentRevision.objects.create(comment=comment, number=1, body=body)
        Summary.objects.filter(pk=summary.pk).update(comment_count=F("comment_count") + 1)
        # Who hears about it is decided by the background worker (notifications/fanout.py).
        tasks.enqueue("comment_posted", comment_id=comment.pk)
        comment_changed(comment, count_changed=True)
    return comment


def comment_changed(comment: Comment, *, count_changed: bool) -> None:
    """Say what a change to `comment` changed, as visitors can see it (web/changes.py): its
    thread on its paper's summary page; with `count_changed` (posted, deleted, hidden,
    restored) the comment counts on the paper's pages and the summary lists (Top recent
    counts comments); its author's profile, which lists it, except for a comment by an
    anonymous summary's author under it, which no profile lists. Nothing for a comment
    under a private summary: only its author sees that thread."""
    summary = comment.summary
    if not summary.is_public:
        return
    changes.changed(
        papers=[summary.paper_id],
        members=[comment.named_member_id],
        lists=[changes.SUMMARIES] if count_changed else [],
    )


def edit_comment(user, comment: Comment, body: str) -> Comment:
    """Its author changes a comment within COMMENT_EDIT_WINDOW_MINUTES of posting it; each
    change appends a CommentRevision. Saving the same text changes nothing."""
    check_member(user)
    if comment.user_id != user.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    body = validate_comment_body(body)
    rendered = render_comment_body(body, prefix=str(comment.pk))
    with transaction.atomic():
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("summary")
            .get(pk=comment.pk)
        )
        if not comment.summary.can_view(user):
            raise PermissionDenied("You cannot edit a comment on a summary you cannot see.")
        if not comment.can_edit(user):
            raise PermissionDenied(
                f"A comment can be edited for {settings.COMMENT_EDIT_WINDOW_MINUTES} minutes "
                "after it was posted, and not once it was deleted or hidden."
            )
        if body == comment.body:
            return comment
        comment.body = body
        comment.body_html = rendered.html
        comment.edited = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited"])
        last = comment.revisions.aggregate(n=Max("number"))["n"] or 0
        CommentRevision.objects.create(comment=comment, number=last + 1, body=body)
        comment_changed(comment, count_changed=False)
    return comment


def delete_comment(user, comment: Comment) -> Comment:
    """Its author soft-deletes a comment. The row stays: with replies it keeps its place in
    the thread as "[deleted]", without them it is shown no more. A moderator deleting
    another's comment goes through moderation.services.delete(), which logs it publicly."""
    if not user.is_authenticated or user.pk != comment.user_id:
        raise PermissionDenied("Only its author can delete a comment this way.")
    with transaction.atomic():
        # The comment's lock makes two deletions at once decrement the count once.
        comment = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("summary")
            .get(pk=comment.pk)
        )
        if comment.is_deleted:
            return comment
        comment.is_deleted = True
        comment.save(update_fields=["is_deleted"])
        if not comment.is_hidden:  # a hidden comment was not counted
            Summary.objects.filter(pk=comment.summary_id).update(
                comment_count=F("comment_count") - 1
            )
        comment_changed(comment, count_changed=True)
    return comment


# -- Reputation ------------------------------------------------------------------------


def refresh_reputation(users: Iterable | None = None, *, progress: Progress | None = None) -> int:
    """Recompute User.reputation for `users` (every member by default); returns how many
    changed.

    Reputation is the net of votes at least REPUTATION_VOTE_AGE_DAYS old on the member's
    public, signed, visible summaries and on their live comments on public summaries.
    Anonymous summaries do not count: a reputation moving with one would say who wrote it.
    Nor do their authors' comments in their threads (shown as "Anonymous (the summary's
    author)", Comment.named_member_id): a vote on one would move the author's reputation
    just the same. Other members' comments there are signed and count.
    """
    cutoff = timezone.now() - timedelta(days=settings.REPUTATION_VOTE_AGE_DAYS)
    User = get_user_model()
    members = User.objects.all()
    old_votes = Vote.objects.filter(created__lte=cutoff)
    on_summaries = old_votes.filter(public_q("summary__"), summary__is_anonymous=False)
    on_comments = old_votes.filter(
        visible_comment_q("comment__"), public_q("comment__summary__")
    ).exclude(comment__summary__is_anonymous=True, comment__user=F("comment__summary__user"))
    if users is not None:
        pks = [u.pk for u in users]
        members = members.filter(pk__in=pks)
        on_summaries = on_summaries.filter(summary__user__in=pks)
        on_comments = on_comments.filter(comment__user__in=pks)
    # Two grouped queries for the whole site: one row per author, not per vote.
    totals: Counter[int] = Counter()
    for author_field, votes in (("summary__user", on_summaries), ("comment__user", on_comments)):
        for author, net in votes.values_list(author_field).annotate(net=Sum("value")).order_by():
            totals[author] += net
    changed = []
    for member in members.only("pk", "reputation").order_by("pk").iterator(chunk_size=2000):
        if member.reputation != totals[member.pk]:
            member.reputation = totals[member.pk]
            changed.append(member)
        if progress is not None:
            progress.advance()
    with transaction.atomic():
        User.objects.bulk_update(changed, ["reputation"], batch_size=500)
        if changed:
            # Profiles show it, and the directory is ordered by it.
            changes.changed(members=[m.pk for m in changed], lists=[changes.MEMBERS])
    if progress is not None:
        progress.finish()
    return len(changed)


def recount_comments(summary_ids: Iterable[int]) -> None:
    """Set `comment_count` from the visible comments (not deleted, not hidden), the rule the
    thread shows by: for writes that change many comments at once (moderation, a closed
    account), where the +1/-1 of a single post or delete does not apply."""
    visible = (
        Comment.objects.filter(visible_comment_q(), summary=OuterRef("pk"))
        .order_by()
        .values("summary")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Summary.objects.filter(pk__in=list(summary_ids)).update(
        comment_count=Coalesce(Subquery(visible), 0)
    )
