from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "shortscience.library"

    def ready(self):
        from shortscience.library import health  # noqa: F401 - the harvest's check
