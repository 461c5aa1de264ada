from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "shortscience.discovery"
