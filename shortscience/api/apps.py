from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "shortscience.api"
