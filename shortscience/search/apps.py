from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "shortscience.search"
