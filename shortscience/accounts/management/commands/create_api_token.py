"""manage.py create_api_token USERNAME [--scope write] [--name NAME]: a personal access
token for a member, printed once on the last line (for administrators and scripts; members
make their own on /settings)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shortscience.accounts.models import ApiToken, User
from shortscience.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Make an API token for a member and print it (it is stored only as a hash)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default="read")
        parser.add_argument("--name", default="made with create_api_token")

    def handle(self, *args, username: str, scope: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active member is called {username!r}.")
        token, secret = create_api_token(user, name=name, scope=scope)
        self.stderr.write(
            f"Token {token.name!r} ({token.scope}) for {user.username}; it is shown only now:"
        )
        self.stdout.write(secret)
