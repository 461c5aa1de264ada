from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "shortscience.library"
