"""Shared set-up for the notification tests: comments made directly (the comment service
belongs to another app), and summaries saved with their after-commit hooks run."""

from __future__ import annotations

from shortscience.community.models import Comment
from shortscience.notifications.models import NotificationSettings
from shortscience.test import BaseTestCase, make_summary


def make_comment(summary, user, body="A comment with $x$.", parent=None, **kwargs) -> Comment:
    return Comment.objects.create(
        summary=summary,
        user=user,
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
        body=body,
        body_html=f"<p>{body}</p>",
        **kwargs,
    )


class NotificationTestCase(BaseTestCase):
    def save_summary(self, paper, user, body="A summary with $E=mc^2$.", **kwargs):
        """make_summary, running the on-commit notifications as a real request would."""
        with self.captureOnCommitCallbacks(execute=True):
            return make_summary(paper, user, body, **kwargs)

    def set_mode(self, user, mode, **kinds):
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"email_mode": mode, **kinds}
        )
