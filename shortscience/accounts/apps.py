from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shortscience.accounts"

    def ready(self):
        from shortscience.accounts import signals  # noqa: F401  (connects the receivers)
