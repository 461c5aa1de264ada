"""Shared set-up for the notification tests: comments and summaries written through their
services, with the background worker's tasks run as it would run them."""

from __future__ import annotations

from shortscience.community.models import Comment
from shortscience.notifications.models import NotificationSettings
from shortscience.test import BaseTestCase, make_summary, run_tasks
from shortscience.test import make_comment as post


def make_comment(summary, user, body="A comment with $x$.", parent=None, **later) -> Comment:
    """A comment posted through the community service; `later` (is_hidden=True,
    is_deleted=True) is what happened to it before the worker came to its task."""
    comment = post(summary, user, body, parent=parent)
    if later:
        Comment.objects.filter(pk=comment.pk).update(**later)
        comment.refresh_from_db()
    return comment


class NotificationTestCase(BaseTestCase):
    def save_summary(self, paper, user, body="A summary with $E=mc^2$.", **kwargs):
        """make_summary, then the worker's run of the tasks it queued."""
        summary = make_summary(paper, user, body, **kwargs)
        run_tasks()
        return summary

    def set_mode(self, user, mode, **kinds):
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"email_mode": mode, **kinds}
        )
