from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "shortscience.ranking"
