"""Shared set-up for the notification tests: comments and summaries written through their
services, with the background worker's tasks run as it would run them."""

from __future__ import annotations

from shortscience.notifications.models import NotificationSettings
from shortscience.test import BaseTestCase, make_comment, make_summary, run_tasks

__all__ = ["NotificationTestCase", "make_comment"]


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
