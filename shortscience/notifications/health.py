"""The email outbox's part in /healthz?full=1 (web/health.py)."""

from __future__ import annotations

from django.db.models import Max

from shortscience.notifications.models import OutboxEmail
from shortscience.web import health


@health.check("email")
def outbox() -> tuple[bool, str]:
    """Emails wait in the outbox for the worker: down when one has waited past health.LATE
    (the worker is not running, or the mail server refuses); the last send, for the record."""
    due = OutboxEmail.objects.due()
    oldest = due.order_by("send_after").values_list("send_after", flat=True).first()
    last = OutboxEmail.objects.aggregate(last=Max("sent_at"))["last"]
    sent = f"last sent {last:%Y-%m-%d %H:%M} UTC" if last else "none sent yet"
    detail = f"{due.count()} waiting, {sent}"
    return not health.late(oldest), detail
