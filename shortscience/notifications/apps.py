from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shortscience.notifications"

    def ready(self):
        # Registers the handlers of the tasks "comment_posted", "summary_saved" and
        # "meeting_scheduled", which the community, summaries and groups apps queue
        # (web/tasks.py).
        from shortscience.notifications import (
            fanout,  # noqa: F401
            health,  # noqa: F401 - the email outbox's check
        )
