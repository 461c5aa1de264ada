from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "shortscience.notifications"

    def ready(self):
        # Registers the handlers of the tasks "comment_posted" and "summary_saved", which
        # the community and summaries apps queue (web/tasks.py).
        from shortscience.notifications import fanout  # noqa: F401
