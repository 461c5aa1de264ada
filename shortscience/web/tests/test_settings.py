from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path
from unittest import TestCase, mock

from django.core.management import call_command
from django.test import TestCase as DjangoTestCase

from shortscience.lib.env import (
    ConfigError,
    env_bool,
    env_int,
    parse_cache_url,
    parse_database_url,
)

ROOT = Path(__file__).resolve().parents[3]


class EnvironmentSettingsTests(TestCase):
    def test_a_bad_boolean_fails_loudly(self):
        with mock.patch.dict(os.environ, {"DEBUG": "maybe"}), self.assertRaises(ConfigError):
            env_bool("DEBUG")

    def test_a_bad_integer_fails_loudly(self):
        with (
            mock.patch.dict(os.environ, {"EMAIL_PORT": "twenty-five"}),
            self.assertRaises(ConfigError),
        ):
            env_int("EMAIL_PORT", 25)

    def test_it_reads_sqlite_and_postgres_urls(self):
        db = parse_database_url("sqlite:///var/db.sqlite3", base_dir="/srv/app")
        self.assertEqual(db["NAME"], "/srv/app/var/db.sqlite3")
        self.assertIn("journal_mode=WAL", db["OPTIONS"]["init_command"])
        self.assertGreater(db["OPTIONS"]["timeout"], 0)
        db = parse_database_url(
            "postgres://u:p%40ss@db.example:6543/science?sslmode=require", base_dir="/"
        )
        self.assertEqual(
            (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]),
            ("django.db.backends.postgresql", "science", "u", "p@ss", "db.example", "6543"),
        )
        self.assertEqual(
            db["OPTIONS"],
            {
                "sslmode": "require",
                "connect_timeout": "5",
                "server_side_binding": True,
                "prepare_threshold": 5,
            },
        )

    def test_postgres_prepared_statements_can_be_turned_off_for_a_pooler(self):
        url = "postgres://u@db/science?prepare_threshold=none&server_side_binding=false"
        options = parse_database_url(url, base_dir="/")["OPTIONS"]
        self.assertEqual(
            options,
            {"connect_timeout": "5", "server_side_binding": False, "prepare_threshold": None},
        )
        options = parse_database_url("postgres://u@db/s?prepare_threshold=0", base_dir="/")
        self.assertEqual(options["OPTIONS"]["prepare_threshold"], 0)
        for bad in ("prepare_threshold=often", "server_side_binding=yes"):
            with self.subTest(bad), self.assertRaises(ConfigError):
                parse_database_url(f"postgres://u@db/science?{bad}", base_dir="/")

    def test_behind_a_pooler_in_transaction_mode_no_session_state_outlives_a_transaction(self):
        db = parse_database_url(
            "postgres://u@pooler:6432/science?pool_mode=transaction", base_dir="/"
        )
        self.assertEqual(
            db["OPTIONS"],
            {"connect_timeout": "5", "server_side_binding": True, "prepare_threshold": None},
        )
        self.assertTrue(db["DISABLE_SERVER_SIDE_CURSORS"])
        direct = parse_database_url("postgres://u@db:5432/science", base_dir="/")
        self.assertFalse(direct["DISABLE_SERVER_SIDE_CURSORS"])
        with self.assertRaises(ConfigError):
            parse_database_url("postgres://u@db/science?pool_mode=statement", base_dir="/")

    def test_a_postgres_connection_gives_up_after_5_seconds_unless_told_otherwise(self):
        url = "postgres://u@db/science"
        self.assertEqual(parse_database_url(url, base_dir="/")["OPTIONS"]["connect_timeout"], "5")
        told = parse_database_url(f"{url}?connect_timeout=2", base_dir="/")
        self.assertEqual(told["OPTIONS"]["connect_timeout"], "2")

    def test_an_unknown_database_scheme_is_refused(self):
        with self.assertRaises(ConfigError):
            parse_database_url("mysql://root@localhost/db", base_dir="/")

    def test_it_reads_locmem_redis_and_database_cache_urls(self):
        self.assertIn("LocMemCache", parse_cache_url("locmem://")["BACKEND"])
        redis = parse_cache_url("redis://127.0.0.1:6379/2")
        self.assertIn("RedisCache", redis["BACKEND"])
        self.assertEqual(redis["LOCATION"], "redis://127.0.0.1:6379/2")
        db = parse_cache_url("db://page_cache")
        self.assertEqual(
            (db["BACKEND"].rsplit(".", 1)[1], db["LOCATION"]), ("DatabaseCache", "page_cache")
        )

    def test_a_sqlite_cache_url_names_a_file_relative_to_the_project_or_absolute(self):
        relative = parse_cache_url("sqlite:///var/cache.sqlite3", base_dir="/srv/site")
        self.assertEqual(relative["BACKEND"], "shortscience.lib.sqlite_cache.SQLiteCache")
        self.assertEqual(relative["LOCATION"], "/srv/site/var/cache.sqlite3")
        absolute = parse_cache_url("sqlite:////srv/cache/pages.sqlite3", base_dir="/srv/site")
        self.assertEqual(absolute["LOCATION"], "/srv/cache/pages.sqlite3")

    def test_caches_on_one_machine_keep_more_pages_than_djangos_default_of_300(self):
        for url in ("sqlite:///var/cache.sqlite3", "locmem://"):
            self.assertGreaterEqual(parse_cache_url(url)["OPTIONS"]["MAX_ENTRIES"], 10_000)

    def test_an_unknown_or_incomplete_cache_url_is_refused(self):
        for url in ("memcached://127.0.0.1", "db://", "db://drop table", "sqlite:///"):
            with self.assertRaises(ConfigError):
                parse_cache_url(url)

    def test_the_site_refuses_to_start_without_a_secret_key_when_debug_is_off(self):
        env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
        env["DEBUG"] = "0"
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)


# What a served site's environment says; each test starts from the developer's environment
# without any of it.
_DEPLOYMENT = re.compile(
    r"(DEBUG|SECRET_KEY|SITE_ROOT|ALLOWED_HOSTS|SECURE_\w+|\w+_COOKIE_SECURE"
    r"|(ORCID|GITHUB|GOOGLE)_\w+)(_FILE)?"
)
_PRINT_SETTINGS = (
    "import json, sys; import shortscience.settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in sys.argv[1:]}))"
)


def _served(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`python ARGS` in the project with DEBUG off and the given environment."""
    clean = {k: v for k, v in os.environ.items() if not _DEPLOYMENT.fullmatch(k)}
    with tempfile.TemporaryDirectory() as var_dir:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env={**clean, "DEBUG": "0", "VAR_DIR": var_dir, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )


def _settings(env: dict[str, str], *names: str) -> dict:
    result = _served(env, "-c", _PRINT_SETTINGS, *names)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return json.loads(result.stdout)


class DeploymentSettingsTests(TestCase):
    key = secrets.token_urlsafe(50)
    site = {"SECRET_KEY": key, "SITE_ROOT": "https://example.org"}

    def test_the_production_example_in_the_readme_passes_check_deploy_without_a_warning(self):
        env = {
            **self.site,
            "ALLOWED_HOSTS": "example.org",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
        }
        result = _served(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_the_site_refuses_a_short_or_guessable_secret_key_when_debug_is_off(self):
        weak = {
            "short": secrets.token_urlsafe(30),
            "few different characters": "abcd" * 20,
            "djangos insecure prefix": "django-insecure-" + self.key,
        }
        for why, key in weak.items():
            with self.subTest(why):
                result = _served(
                    {**self.site, "SECRET_KEY": key}, "-c", "import shortscience.settings"
                )
                self.assertNotEqual(result.returncode, 0)
                self.assertIn("SECRET_KEY is too weak", result.stderr)
                self.assertIn("secrets.token_urlsafe(50)", result.stderr)

    def test_a_weak_secret_key_is_fine_on_a_developers_laptop(self):
        self.assertEqual(
            _settings({"DEBUG": "1", "SECRET_KEY": "dev"}, "SECRET_KEY"), {"SECRET_KEY": "dev"}
        )

    def test_the_site_refuses_to_start_without_its_public_address_when_debug_is_off(self):
        result = _served({"SECRET_KEY": self.key}, "-c", "import shortscience.settings")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SITE_ROOT must be set when DEBUG is off", result.stderr)

    def test_an_address_or_proxy_header_it_cannot_use_is_refused(self):
        for env, message in [
            ({"SITE_ROOT": "example.org"}, "SITE_ROOT='example.org' is not an address"),
            ({"SITE_ROOT": "ftp://example.org"}, "is not an address"),
            ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "HTTP_X_FORWARDED_PROTO"),
        ]:
            with self.subTest(env):
                result = _served({**self.site, **env}, "-c", "import shortscience.settings")
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)

    def test_cookies_are_https_only_by_default_on_an_https_site(self):
        names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")
        https = _settings(
            {**self.site, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}, *names
        )
        self.assertEqual(
            https,
            {
                "SESSION_COOKIE_SECURE": True,
                "CSRF_COOKIE_SECURE": True,
                "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
            },
        )
        http = _settings({**self.site, "SITE_ROOT": "http://intranet.example"}, *names[:2])
        self.assertEqual(http, {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False})

    def test_forms_may_go_to_the_log_in_providers_that_are_on(self):
        github = {"GITHUB_CLIENT_ID": "id", "GITHUB_SECRET": "secret"}
        self.assertEqual(
            _settings({**self.site, **github}, "CSP_FORM_ACTION"),
            {"CSP_FORM_ACTION": ["'self'", "https://github.com"]},
        )


class PendingMigrationsTests(DjangoTestCase):
    def test_no_model_change_lacks_a_migration(self):
        out = StringIO()
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
