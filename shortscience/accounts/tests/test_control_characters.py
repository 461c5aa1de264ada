"""Characters neither XML nor HTML can carry (lib/text.py) never reach a stored profile or
token name: update_profile() and create_api_token() clean them, and migration 0005 cleaned
the rows saved before they did."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import override_settings

from shortscience.accounts.models import ApiToken, User
from shortscience.accounts.services import create_api_token, update_profile
from shortscience.test import BaseTestCase
from shortscience.web.models import ContentChange
from shortscience.web.tests.test_stored_text import CLEAN, DIRTY, storable

migration = import_module("shortscience.accounts.migrations.0005_clean_stored_text")


class ServiceTests(BaseTestCase):
    def test_a_control_character_in_a_display_name_or_bio_is_stored_cleaned(self):
        update_profile(self.charlie, display_name="Charlie\x01\tChaplin\x0b", bio=DIRTY, orcid="")
        self.charlie.refresh_from_db()
        self.assertEqual(self.charlie.display_name, "Charlie Chaplin")
        self.assertEqual(self.charlie.bio, CLEAN)

    def test_a_bio_keeps_its_lines(self):
        update_profile(self.charlie, display_name="", bio="Line one\nline two", orcid="")
        self.charlie.refresh_from_db()
        self.assertEqual(self.charlie.bio, "Line one\nline two")

    def test_the_name_is_checked_as_it_will_be_stored(self):
        # Cleaned first: a control character cannot slip another member's name past the rule.
        with self.assertRaises(ValidationError):
            update_profile(self.charlie, display_name="Bob\x01 Berners", bio="", orcid="")

    def test_a_control_character_in_a_token_name_is_stored_cleaned(self):
        token, _ = create_api_token(self.alice, name="my\x01 notes\nscript\x0b", scope="read")
        token.refresh_from_db()
        self.assertEqual(token.name, "my notes script")


class MigrationTests(BaseTestCase):
    """The migration's function on rows written past the services, as old rows were."""

    def setUp(self):
        super().setUp()
        # Committed as it goes: a change said later must not join a batch of these.
        with self.captureOnCommitCallbacks(execute=True):
            self.token, _ = create_api_token(self.alice, name="notes", scope="read")
        dirty = storable(DIRTY)
        User.objects.filter(pk=self.alice.pk).update(
            display_name="Alice\x01\tAumann\x0b", bio=dirty, ban_reason=dirty
        )
        ApiToken.objects.filter(pk=self.token.pk).update(name="my\x01 notes\x0b")

    def run_migration(self):
        with self.captureOnCommitCallbacks(execute=True):
            migration.clean_stored_text(apps, None)

    def test_it_cleans_display_names_bios_ban_reasons_and_token_names(self):
        self.run_migration()
        self.alice.refresh_from_db()
        self.assertEqual(self.alice.display_name, "Alice Aumann")
        self.assertEqual((self.alice.bio, self.alice.ban_reason), (CLEAN, CLEAN))
        self.token.refresh_from_db()
        self.assertEqual(self.token.name, "my notes")

    def test_it_leaves_clean_rows_as_they_were(self):
        User.objects.filter(pk=self.bob.pk).update(bio="Clean ° text 😀 \ufffd.\nTwo lines.")
        before = User.objects.values().get(pk=self.bob.pk)
        self.run_migration()
        self.assertEqual(User.objects.values().get(pk=self.bob.pk), before)

    @override_settings(PAGE_CACHE_SECONDS=600)
    def test_it_says_the_member_changed_as_update_profile_does(self):
        self.run_migration()
        self.assertEqual(
            set(ContentChange.objects.values_list("tag", flat=True)),
            {f"member:{self.alice.pk}", "list:members"},
        )
        ContentChange.objects.all().delete()
        self.run_migration()
        self.assertFalse(ContentChange.objects.exists())
