"""Notifications and email: follows, the inbox rows and the outbox.

Who hears about a new comment or summary is decided in fanout.py, run by the background
worker from the tasks the writes queued; `deliver()` below creates the inbox rows and, for
members who want mail straight away, the `OutboxEmail`s, in one transaction.
`manage.py send_emails` runs those tasks, sends the outbox (`send_due_emails()`) and the
daily digests (`queue_digests()`).

Privacy rules every function here keeps: nobody is told about their own action; nothing
about hidden or deleted content, and nothing about a private or hidden summary reaches
anybody but its author; an anonymous summary's author is "Anonymous" in every text that
goes to somebody else, also when they comment under their own summary.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shortscience.notifications.models import (
    Follow,
    Notification,
    NotificationSettings,
    OutboxEmail,
    SummaryRequest,
)
from shortscience.papers.models import Keyword
from shortscience.ranking import scores
from shortscience.web import changes
from shortscience.web.links import absolute

Kind = Notification.Kind
UNSUBSCRIBE_SALT = "shortscience.notifications.unsubscribe"
DIGEST_EVERY = timedelta(hours=23)  # not 24: a daily cron that runs a minute early still sends
DIGEST_MAX_ITEMS = 50


# -- Follows -------------------------------------------------------------------------------


def thread_root(comment):
    """The top comment of `comment`'s thread (threads are depth-capped: a few queries)."""
    while comment.parent_id:
        comment = comment.parent
    return comment


def _target_field(target) -> tuple[str, object]:
    from shortscience.community.models import Comment
    from shortscience.papers.models import Paper
    from shortscience.summaries.models import Summary

    if isinstance(target, Paper):
        return "paper", target
    if isinstance(target, Summary):
        return "summary", target
    if isinstance(target, Comment):
        return "comment", thread_root(target)
    raise TypeError(f"Cannot follow {target!r}")


def follow(user, target) -> bool:
    """`user` follows a paper, a summary or a comment's thread; True if newly followed."""
    field, obj = _target_field(target)
    with transaction.atomic():
        _, created = Follow.objects.get_or_create(user=user, **{field: obj})
    return created


def unfollow(user, target) -> bool:
    field, obj = _target_field(target)
    deleted, _ = Follow.objects.filter(user=user, **{field: obj}).delete()
    return bool(deleted)


def is_following(user, target) -> bool:
    if not user.is_authenticated:
        return False
    field, obj = _target_field(target)
    return Follow.objects.filter(user=user, **{field: obj}).exists()


# -- Summary requests ----------------------------------------------------------------------


class CannotRequest(Exception):
    """A summary request that makes no sense (the paper has a public summary already)."""


def request_summary(user, paper) -> SummaryRequest:
    """`user` would read a summary of `paper`: their request, open (a request they withdrew
    or that ended with a summary since removed is opened again). Refused for a paper with a
    public summary: read it, or write another."""
    if paper.public_summary_count:
        raise CannotRequest("This paper has a summary already: read it, or write another.")
    with transaction.atomic():
        request_summaries(user, [paper])
        return SummaryRequest.objects.get(user=user, paper=paper)


def request_summaries(user, papers) -> int:
    """`user` would read a summary of each of `papers` that has no public summary and was
    not merged away (the coverage check's "ask for the rest"; request_summary() for one),
    in a constant number of queries; how many requests are open now that were not."""
    with transaction.atomic():
        wanted = {p.pk: p for p in papers if not p.public_summary_count and not p.merged_into_id}
        existing = dict(
            SummaryRequest.objects.filter(user=user, paper_id__in=list(wanted)).values_list(
                "paper_id", "ended"
            )
        )
        fresh = [pk for pk in wanted if pk not in existing]
        reopened = [pk for pk, ended in existing.items() if ended is not None]
        names: dict[int, list[str]] = {}
        for paper_id, name in Keyword.objects.filter(papers__in=fresh + reopened).values_list(
            "papers", "name"
        ):
            names.setdefault(paper_id, []).append(name)
        now = timezone.now()
        # A request made meanwhile (a double click) stands: one per member per paper.
        SummaryRequest.objects.bulk_create(
            (
                SummaryRequest(
                    user=user,
                    paper_id=pk,
                    fields=scores.fields_tag(names.get(pk, ())),
                    created=now,
                )
                for pk in fresh
            ),
            ignore_conflicts=True,
        )
        SummaryRequest.objects.filter(user=user, paper_id__in=reopened).update(
            ended=None, ended_by=None, created=now
        )
        if fresh or reopened:
            changes.changed(papers=fresh + reopened, lists=[changes.WANTED])
    return len(fresh) + len(reopened)


def withdraw_request(user, paper) -> bool:
    """`user` no longer asks for a summary of `paper`; True if an open request was removed."""
    with transaction.atomic():
        removed, _ = SummaryRequest.objects.open().filter(user=user, paper=paper).delete()
        if removed:
            changes.changed(papers=[paper.pk], lists=[changes.WANTED])
    return bool(removed)


def has_requested(user, paper) -> bool:
    if not user.is_authenticated:
        return False
    return SummaryRequest.objects.open().filter(user=user, paper=paper).exists()


def deliver(recipients: dict[int, str], *, paper, summary=None, comment=None, meeting=None) -> list:
    """Create the inbox rows for recipients who want this kind, and the immediate emails,
    in one transaction: the caller's."""
    if not recipients:
        return []
    users = get_user_model().objects.filter(pk__in=list(recipients), is_active=True)
    users = {u.pk: u for u in users}
    prefs = NotificationSettings.for_users(list(users))
    now = timezone.now()
    notes, emails = [], []
    for user_id, kind in recipients.items():
        user = users.get(user_id)
        if user is None or not prefs[user_id].wants(kind):
            continue
        note = Notification(
            recipient=user,
            kind=kind,
            paper=paper,
            summary=summary,
            comment=comment,
            meeting=meeting,
            created=now,
        )
        if prefs[user_id].email_mode == NotificationSettings.EmailMode.IMMEDIATE and user.email:
            note.emailed_at = now
            email = notification_email(note, user)
            email.notification = note  # its id is filled in when the notes are inserted
            emails.append(email)
        notes.append(note)
    with transaction.atomic():
        Notification.objects.bulk_create(notes)
        OutboxEmail.objects.bulk_create(emails)
    return notes


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_read(notifications) -> int:
    """Mark these of a member's notifications read (the inbox shows them)."""
    ids = [n.pk for n in notifications if n.read_at is None]
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# -- Email ---------------------------------------------------------------------------------


def unsubscribe_token(user) -> str:
    # No expiry: an unsubscribe link in a years-old email must still work. The token only
    # turns email off, so a leaked one can do no more than that.
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str):
    """The member a token was made for, or None if it is invalid or tampered with."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(user_id, int):
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def save_preferences(user, **preferences) -> NotificationSettings:
    """A member's choice of what to hear about and how to be emailed (the settings page).
    No page a visitor sees shows it: it says nothing changed."""
    with transaction.atomic():
        row, _ = NotificationSettings.objects.update_or_create(user=user, defaults=preferences)
    return row


def unsubscribe(user) -> None:
    with transaction.atomic():
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"email_mode": NotificationSettings.EmailMode.OFF}
        )


def _email(user, subject: str, template: str, context: dict) -> OutboxEmail:
    unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]))
    context = {
        **context,
        "user": user,
        "SITE_NAME": settings.SITE_NAME,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": absolute(reverse("notifications:settings")),
        "inbox_url": absolute(reverse("notifications:inbox")),
    }
    return OutboxEmail(
        to=user.email,
        subject=subject[:300],
        body_text=render_to_string(f"emails/{template}.txt", context),
        body_html=render_to_string(f"emails/{template}.html", context),
        headers={
            # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _excerpt(note: Notification) -> str:
    if note.comment_id:
        text = note.comment.body
    elif note.summary_id:
        text = note.summary.excerpt or note.summary.body
    else:
        return ""
    return text if len(text) <= 600 else text[:600].rstrip() + "\u2026"


def notification_email(note: Notification, user) -> OutboxEmail:
    message = note.message()
    return _email(
        user,
        f"[{settings.SITE_NAME}] {message}",
        "notification",
        {"message": message, "excerpt": _excerpt(note), "url": absolute(note.get_absolute_url())},
    )


def queue_digests(now=None) -> int:
    """One digest email for each daily-mode member with unread notifications not emailed
    yet, at most once per DIGEST_EVERY. Returns the number of digests queued."""
    now = now or timezone.now()
    pending = Notification.objects.visible().unread().filter(emailed_at__isnull=True)
    user_ids = set(pending.values_list("recipient_id", flat=True).distinct())
    prefs = NotificationSettings.for_users(user_ids)
    due = [
        user_id
        for user_id, p in prefs.items()
        if p.email_mode == NotificationSettings.EmailMode.DAILY
        and (p.last_digest_at is None or p.last_digest_at <= now - DIGEST_EVERY)
    ]
    users = get_user_model().objects.filter(pk__in=due, is_active=True).exclude(email="")
    queued = 0
    for user in users.order_by("pk"):
        with transaction.atomic():
            mine = pending.filter(recipient=user)
            notes = list(mine.for_list()[:DIGEST_MAX_ITEMS])
            if not notes:
                continue
            total = mine.count()
            email = _email(
                user,
                f"[{settings.SITE_NAME}] {total} new notification{'s' if total != 1 else ''}",
                "digest",
                {
                    "items": [
                        {"message": n.message(), "url": absolute(n.get_absolute_url())}
                        for n in notes
                    ],
                    "more": total - len(notes),
                },
            )
            email.save()
            mine.update(emailed_at=now)
            NotificationSettings.objects.update_or_create(
                user=user, defaults={"last_digest_at": now}
            )
            queued += 1
    return queued


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: base, 3x base, 9x base, ..."""
    return timedelta(seconds=settings.EMAIL_RETRY_BASE_SECONDS * 3 ** max(attempts - 1, 0))


def claim_due(batch: int, now=None) -> list[OutboxEmail]:
    """Take up to `batch` due emails for this sender.

    Claiming moves `send_after` a lease ahead and counts the attempt, in a short
    transaction: another sender no longer sees these rows as due. On PostgreSQL
    `skip_locked` lets two senders claim different rows at the same time; SQLite has no
    row locks (Django drops select_for_update there) but runs one writer at a time and our
    transactions take the write lock at BEGIN, so the select and the update cannot
    interleave. A sender that dies after claiming leaves rows that come due again when
    the lease ends: an email may then go out twice, never zero times.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            OutboxEmail.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("send_after", "pk")[:batch]
        )
        OutboxEmail.objects.filter(pk__in=[r.pk for r in rows]).update(
            send_after=now + timedelta(seconds=settings.EMAIL_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    for row in rows:
        row.attempts += 1
    return rows


def send_due_emails(batch: int = 100, now=None) -> dict[str, int]:
    """Send every due outbox email, `batch` at a time; returns a tally."""
    tally = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    from_email = settings.DEFAULT_FROM_EMAIL
    while rows := claim_due(batch, now):
        rows = _drop_withdrawn(rows, tally)
        connection = get_connection()
        try:
            for row in rows:
                message = EmailMultiAlternatives(
                    row.subject,
                    row.body_text,
                    from_email,
                    [row.to],
                    headers=row.headers,
                    connection=connection,
                )
                if row.body_html:
                    message.attach_alternative(row.body_html, "text/html")
                try:
                    message.send()
                except Exception as e:
                    _failed(row, e, tally)
                else:
                    OutboxEmail.objects.filter(pk=row.pk).update(
                        sent_at=timezone.now(), last_error=""
                    )
                    tally["sent"] += 1
        finally:
            connection.close()
    return tally


def _drop_withdrawn(rows: list[OutboxEmail], tally: dict[str, int]) -> list[OutboxEmail]:
    """Cancel the emails about content that was hidden, deleted or made private since
    they were queued (one query per batch)."""
    ids = {r.notification_id for r in rows if r.notification_id}
    still = set(Notification.objects.filter(pk__in=ids).visible().values_list("pk", flat=True))
    withdrawn = [r.pk for r in rows if r.notification_id and r.notification_id not in still]
    if withdrawn:
        OutboxEmail.objects.filter(pk__in=withdrawn).update(
            failed_at=timezone.now(),
            last_error="Not sent: its content was hidden or removed before sending.",
        )
        tally["cancelled"] += len(withdrawn)
    return [r for r in rows if r.pk not in withdrawn]


def _failed(row: OutboxEmail, error: Exception, tally: dict[str, int]) -> None:
    now = timezone.now()
    fields = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        fields["failed_at"] = now
        tally["failed"] += 1
    else:
        fields["send_after"] = now + retry_delay(row.attempts)
        tally["retry"] += 1
    OutboxEmail.objects.filter(pk=row.pk).update(**fields)
