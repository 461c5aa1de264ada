from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "shortscience.uploads"
