"""A member's whole presence on the site: exporting everything they wrote and closing their
account. Both reach into every app (summaries, comments, votes, notifications, claims)."""

from __future__ import annotations

import io
import json
import zipfile

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from shortscience.accounts.models import User
from shortscience.community.models import Comment, CommentRevision, Vote
from shortscience.community.services import recount_comments
from shortscience.groups import services as groups
from shortscience.notifications.models import NotificationSettings, OutboxEmail
from shortscience.summaries.models import Revision, Summary, SummaryChange, refresh_paper_stats
from shortscience.web import changes


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_user_data(user: User) -> bytes:
    """A zip of everything `user` wrote or set, private summaries included.

    Built in memory: a prolific member's summaries and comments are a few megabytes.
    """
    account = {
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "orcid": user.orcid,
        "reputation": user.reputation,
        "date_joined": _iso(user.date_joined),
        "emails": [
            {"email": e.email, "primary": e.primary, "verified": e.verified}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "settings": _notification_settings(user),
        "author_claims": [
            {"paper": c.paper.get_absolute_url(), "title": c.paper.title, "status": c.status}
            for c in user.claims.select_related("paper").order_by("pk")
        ],
        "reading_lists": [
            {
                "title": rl.title,
                "description": rl.description,
                "visibility": rl.visibility,
                "url": rl.get_absolute_url(),
                "papers": [
                    {
                        "title": item.paper.title,
                        "url": item.paper.get_absolute_url(),
                        "note": item.note,
                        "state": item.state,
                        "added": _iso(item.added),
                    }
                    for item in rl.items.select_related("paper")
                ],
            }
            for rl in user.reading_lists.order_by("pk")
        ],
        "summary_requests": [
            {
                "paper": r.paper.get_absolute_url(),
                "title": r.paper.title,
                "created": _iso(r.created),
                "ended": _iso(r.ended),
            }
            for r in user.summary_requests.select_related("paper").order_by("pk")
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("account.json", _json(account))
        summaries = []
        for s in (
            Summary.objects.filter(user=user)
            .select_related("paper")
            .prefetch_related("revisions")
            .order_by("pk")
        ):
            name = f"summaries/{s.paper.slug}-{s.pk}.md"
            z.writestr(name, s.body)
            summaries.append(
                {
                    "id": s.pk,
                    "file": name,
                    "paper": {"title": s.paper.title, "url": s.paper.get_absolute_url()},
                    "url": s.get_absolute_url(),
                    "visibility": s.visibility,
                    "is_anonymous": s.is_anonymous,
                    "is_hidden": s.is_hidden,
                    "created": _iso(s.created),
                    "edited": _iso(s.edited),
                    "revisions": [
                        {
                            "number": r.number,
                            "created": _iso(r.created),
                            "visibility": r.visibility,
                            "is_anonymous": r.is_anonymous,
                            "body": r.body,
                        }
                        for r in s.revisions.all()
                    ],
                }
            )
        z.writestr("summaries.json", _json(summaries))
        comments = []
        for c in Comment.objects.filter(user=user).order_by("pk"):
            name = f"comments/{c.pk}.md"
            z.writestr(name, c.body)
            comments.append(
                {
                    "id": c.pk,
                    "file": name,
                    "summary": c.summary_id,
                    "parent": c.parent_id,
                    "created": _iso(c.created),
                    "edited": _iso(c.edited),
                    "is_deleted": c.is_deleted,
                    "is_hidden": c.is_hidden,
                }
            )
        z.writestr("comments.json", _json(comments))
        votes = [
            {
                "summary": v.summary_id,
                "comment": v.comment_id,
                "value": v.value,
                "created": _iso(v.created),
            }
            for v in Vote.objects.filter(user=user).order_by("pk")
        ]
        z.writestr("votes.json", _json(votes))
    return buffer.getvalue()


def _notification_settings(user: User) -> dict:
    row = NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)
    data = {name: getattr(row, name) for name in NotificationSettings.KIND_FIELDS}
    data["email_mode"] = row.email_mode
    return data


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


DELETED_NAME = "[deleted]"


def delete_account(*, user: User, keep_content: bool) -> None:
    """Close `user`'s account for good, in one transaction.

    The user row is kept, deactivated and scrubbed (username `deleted-<id>`, no email, no
    password, display name "[deleted]"), rather than deleted or merged into one shared
    "ghost" user: a summary is unique per (user, paper), so two departed members' summaries
    of one paper could not both move to a single ghost, and a kept row also keeps votes,
    comment threads and the moderation log consistent without recounting anything. The
    price is one inert row per closed account.

    keep_content=True leaves the public summaries (now anonymous) and comments (now by "[deleted]")
    where they are; False deletes the summaries (with their discussions) and blanks the
    comments, which stay in their threads as "[deleted]" so that others' replies survive.
    """
    with transaction.atomic():
        # Every page that shows their name or their work: the papers they summarised or
        # discussed publicly, their profile, and the lists (their work leaves or changes).
        shown = set(
            Summary.objects.filter(user=user).public().values_list("paper_id", flat=True)
        ) | set(
            Comment.objects.public().filter(user=user).values_list("summary__paper_id", flat=True)
        )
        changes.changed(
            papers=shown,
            members=[user.pk],
            lists=[changes.SUMMARIES, changes.PAPERS, changes.MEMBERS],
        )
        summarised = set(Summary.objects.filter(user=user).values_list("paper_id", flat=True))
        # For mirrors (noted last, below): the signed public ones become anonymous, or all
        # public ones go. Kept anonymous ones do not change, and are not noted: a change to
        # them at the same instant as to the signed ones would sign them.
        public = Summary.objects.filter(user=user).public()
        changing = list(
            (public.filter(is_anonymous=False) if keep_content else public).values_list(
                "pk", flat=True
            )
        )
        if keep_content:
            # Private summaries (and with them any share link) go in either case: nobody
            # could ever read them again, so keeping them would only keep personal data.
            Summary.objects.filter(user=user, visibility=Summary.Visibility.PRIVATE).delete()
            Summary.objects.filter(user=user).update(is_anonymous=True)
            Revision.objects.filter(summary__user=user).update(is_anonymous=True)
        else:
            Summary.objects.filter(user=user).delete()
            CommentRevision.objects.filter(comment__user=user).delete()
            threads = set(Comment.objects.filter(user=user).values_list("summary_id", flat=True))
            Comment.objects.filter(user=user).update(is_deleted=True, body="", body_html="")
            recount_comments(threads)
        refresh_paper_stats(summarised)
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        user.claims.all().delete()
        groups.forget_member(user, keep_posts=keep_content)
        _delete_notification_data(user)
        user.username = f"deleted-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.display_name = DELETED_NAME
        user.bio = ""
        user.orcid = ""
        user.reputation = 0
        user.is_active = False
        user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        # Tokens are the member's, and would open the API again if an administrator ever
        # reactivated the account.
        user.api_tokens.all().delete()
        SummaryChange.note(changing)


def _delete_notification_data(user: User) -> None:
    if user.email:
        OutboxEmail.objects.filter(to=user.email, sent_at__isnull=True).delete()
    # Through the related managers, so that the notifications app may name its fields freely.
    user.follows.all().delete()
    # Open ones would keep counting on the papers' pages and /wanted for a closed account.
    requested = list(user.summary_requests.open().values_list("paper_id", flat=True))
    user.summary_requests.all().delete()
    if requested:
        changes.changed(papers=requested, lists=[changes.WANTED])
    user.notifications.all().delete()
    # A member's lists are their own curation, notes included: they go with the account.
    if user.reading_lists.exists():
        user.reading_lists.all().delete()
        changes.changed(lists=[changes.READING_LISTS])
    NotificationSettings.objects.filter(user=user).delete()
