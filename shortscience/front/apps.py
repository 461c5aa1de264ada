from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "shortscience.front"

    def ready(self):
        from shortscience.front import cache

        cache.connect_signals()
