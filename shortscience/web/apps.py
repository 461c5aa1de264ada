from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shortscience.web"

    def ready(self):
        # Registers the checks of /healthz?full=1 that need no other app.
        from shortscience.web import health  # noqa: F401
