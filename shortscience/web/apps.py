from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shortscience.web"

    def ready(self):
        from shortscience.web import pages

        pages.connect_signals()
