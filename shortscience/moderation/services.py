"""Moderation writes: each action and its public log line are one transaction, and every
open report on the target is resolved with it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shortscience.accounts.permissions import is_moderator
from shortscience.community.models import Comment
from shortscience.community.services import comment_changed, recount_comments
from shortscience.groups.models import Post
from shortscience.lib.text import clean
from shortscience.moderation.models import ModerationAction, Report, kind_of
from shortscience.summaries.models import Summary, refresh_paper_stats
from shortscience.summaries.services import summary_changed
from shortscience.web import changes

Action = ModerationAction.Action
REASON_MAX_CHARS = 1000


def target_label(target) -> str:
    """What the public log says the target was: never private text, never a summary's
    author (anonymous now or later)."""
    kind = kind_of(target)
    if kind == "summary":
        return _summary_label(target)
    if kind == "comment":
        summary = target.summary
        # The writer of an anonymous summary commenting under it is "Anonymous" there too.
        by = (
            "the summary's anonymous author"
            if summary.is_anonymous and summary.user_id == target.user_id
            else target.user.shown_name
        )
        return f"Comment by {by} on {_summary_label(summary, lead='a')}"
    if kind == "post":
        return _post_label(target)
    if kind == "user":
        return f"{target.shown_name} (@{target.username})"
    return f"Paper \u201c{target.title_text}\u201d"


def _summary_label(summary: Summary, lead: str = "") -> str:
    if summary.visibility != Summary.Visibility.PUBLIC:
        # Neither the paper nor the writer: a private summary's existence is its author's.
        return f"{lead or 'A'} private summary"
    # No writer's name either: the label is a snapshot, and a signed summary can be made
    # anonymous (or private) later, which the log must not undo.
    noun = f"{lead} summary" if lead else "Summary"
    return f"{noun} of \u201c{summary.paper.title_text}\u201d"


def _post_label(post: Post) -> str:
    # Neither its text, nor its author, nor its group: the log is public and kept, and a
    # group public today may be members-only tomorrow, when its name must be its members'.
    return "A post in a reading group's discussion"


def owner_id(target) -> int:
    return target.pk if kind_of(target) == "user" else target.user_id


def _check(moderator, reason: str) -> str:
    if not is_moderator(moderator):
        raise PermissionDenied("Only moderators can do this.")
    # Every action's reason comes through here; it goes on the public log, a member's
    # profile (a ban) and the merge log (lib/text.py says what cleaning removes).
    reason = clean(reason or "").strip()
    if not reason:
        raise ValidationError("Say why: the reason goes on the public moderation log.")
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(f"A reason can be at most {REASON_MAX_CHARS:,} characters.")
    return reason


def _log(moderator, action: str, target, reason: str, *, label: str = "") -> ModerationAction:
    changes.changed(lists=[changes.MODERATION])  # the public log
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        target_kind=kind_of(target),
        target_id=target.pk,
        target_label=(label or target_label(target))[:400],
        reason=reason,
    )


def _close_reports(moderator, target, status: str = Report.Status.RESOLVED) -> int:
    if kind_of(target) == "paper":
        return 0
    return (
        Report.objects.open()
        .about(target)
        .update(status=status, resolved_by=moderator, resolved_at=timezone.now())
    )


def report(*, reporter, target, reason: str, note: str = "") -> Report:
    """A member reports a summary, a comment, a post in a reading group or another member.
    The caller has checked that the reporter may see it (views._get_target_for_user)."""
    kind = kind_of(target)
    if kind not in ("summary", "comment", "post", "user"):
        raise ValidationError("Only summaries, comments, posts and members can be reported.")
    if owner_id(target) == reporter.pk:
        raise ValidationError("You cannot report your own work or yourself.")
    if reason not in Report.Reason.values:
        raise ValidationError("Choose a reason.")
    note = clean(note or "").strip()
    if len(note) > Report.NOTE_MAX_CHARS:
        raise ValidationError(f"A note can be at most {Report.NOTE_MAX_CHARS:,} characters.")
    already = ValidationError("You have reported this already; a moderator will look at it.")
    if Report.objects.open().about(target).filter(reporter=reporter).exists():
        raise already
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter, reason=reason, note=note, **{Report.field_for(target): target}
            )
    except IntegrityError:
        # Two clicks at once: the partial unique constraint let only one through.
        raise already from None


def hide(*, moderator, target, reason: str) -> ModerationAction:
    """Hide a summary, a comment or a group's post from everyone but its author and
    moderators."""
    return _set_hidden(moderator, target, reason, hidden=True)


def restore(*, moderator, target, reason: str) -> ModerationAction:
    """Undo a hide. A deleted comment or post stays deleted: nothing on the row says whether
    its author or a moderator deleted it, and an author's deletion is not ours to undo."""
    return _set_hidden(moderator, target, reason, hidden=False)


def _set_hidden(moderator, target, reason: str, *, hidden: bool) -> ModerationAction:
    reason = _check(moderator, reason)
    kind = kind_of(target)
    if kind not in ("summary", "comment", "post"):
        raise ValidationError("Only summaries, comments and posts can be hidden or restored.")
    with transaction.atomic():
        was = _shown(target)
        type(target).objects.filter(pk=target.pk).update(is_hidden=hidden)
        target.is_hidden = hidden
        if kind == "comment":
            recount_comments([target.summary_id])
        elif kind == "summary":
            refresh_paper_stats([target.paper_id])
        _say_changed(target, was)
        action = _log(moderator, Action.HIDE if hidden else Action.RESTORE, target, reason)
        _close_reports(moderator, target)
    return action


def _shown(target) -> tuple[bool, bool]:
    """What visitors saw of a summary before a moderator's action: (public, signed)."""
    if kind_of(target) != "summary":
        return (False, False)
    return (target.is_public, target.is_public and not target.is_anonymous)


def _say_changed(target, was: tuple[bool, bool]) -> None:
    """What a hide, restore or delete changed, by the same rules as the author's own writes;
    the public log changes with every action (_log)."""
    kind = kind_of(target)
    if kind == "comment":
        comment_changed(target, count_changed=True)
    elif kind == "post":
        # A discussion shows on its group's pages alone (the meeting, the group's feed).
        changes.changed(groups=[target.meeting.group_id])
    else:
        summary_changed(target, was_public=was[0], was_signed=was[1])


def delete(*, moderator, target, reason: str) -> ModerationAction:
    """A comment is soft-deleted (its thread keeps a "[deleted]" place); a group's post too,
    its text blanked as its author's deletion does (groups.services.delete_post); a summary
    is deleted for good, after its log line is written."""
    reason = _check(moderator, reason)
    kind = kind_of(target)
    if kind not in ("summary", "comment", "post"):
        raise ValidationError("Only summaries, comments and posts can be deleted.")
    with transaction.atomic():
        action = _log(moderator, Action.DELETE, target, reason)
        _close_reports(moderator, target)
        was = _shown(target)
        if kind == "comment":
            Comment.objects.filter(pk=target.pk).update(is_deleted=True)
            target.is_deleted = True
            recount_comments([target.summary_id])
        elif kind == "post":
            Post.objects.filter(pk=target.pk).update(is_deleted=True, body="", body_html="")
            target.is_deleted, target.body, target.body_html = True, "", ""
        else:
            pk = target.pk
            target.delete()
            # Gone: as far as any page can tell, it is neither public nor signed now; its id
            # stays, for the mirrors' feed to say which summary went.
            target.pk, target.visibility, target.is_hidden = pk, target.Visibility.PRIVATE, True
            refresh_paper_stats([target.paper_id])
        _say_changed(target, was)
    return action


def dismiss(*, moderator, target, reason: str) -> ModerationAction:
    """Close the open reports on a target without acting on it."""
    reason = _check(moderator, reason)
    with transaction.atomic():
        if not _close_reports(moderator, target, Report.Status.DISMISSED):
            raise ValidationError("There are no open reports on this.")
        return _log(moderator, Action.DISMISS, target, reason)


def ban(*, moderator, user, reason: str) -> ModerationAction:
    """Ban a member: no more logging in or posting; their session ends on its next request
    (accounts.middleware). The ban and its reason are public, on the log."""
    reason = _check(moderator, reason)
    if user.pk == moderator.pk:
        raise ValidationError("You cannot ban yourself.")
    if user.is_superuser:
        raise ValidationError("A superuser cannot be banned here.")
    if user.is_banned:
        raise ValidationError("This member is banned already.")
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(
            banned_at=timezone.now(), ban_reason=reason[:500]
        )
        user.refresh_from_db(fields=["banned_at", "ban_reason"])
        changes.changed(members=[user.pk])
        action = _log(moderator, Action.BAN, user, reason)
        _close_reports(moderator, user)
    return action


def unban(*, moderator, user, reason: str) -> ModerationAction:
    reason = _check(moderator, reason)
    if not user.is_banned:
        raise ValidationError("This member is not banned.")
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(banned_at=None, ban_reason="")
        user.banned_at, user.ban_reason = None, ""
        changes.changed(members=[user.pk])
        action = _log(moderator, Action.UNBAN, user, reason)
        _close_reports(moderator, user)
    return action


def merge(*, moderator, kept, merged, reason: str) -> ModerationAction:
    """Merge two records of one paper (papers.services.merge_papers) and log it."""
    from shortscience.library.services import MergeConflict, merge_papers

    reason = _check(moderator, reason)
    with transaction.atomic():
        try:
            merge_papers(kept, merged, reason=reason, by=moderator)
        except MergeConflict as e:
            raise ValidationError(str(e)) from None
        label = f"Paper \u201c{merged.title_text}\u201d into \u201c{kept.title_text}\u201d"
        return _log(moderator, Action.MERGE, kept, reason, label=label)
