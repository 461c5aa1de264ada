"""Characters neither XML nor HTML can carry (lib/text.py) never reach a stored report note
or moderation reason: the services clean them, and migration 0003 cleaned the rows saved
before they did."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.test import override_settings

from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction, Report
from shortscience.moderation.tests.helpers import ModerationTestCase
from shortscience.papers.models import MergeLog
from shortscience.test import make_paper
from shortscience.web.models import ContentChange
from shortscience.web.tests.test_stored_text import CLEAN, DIRTY, storable

migration = import_module("shortscience.moderation.migrations.0003_clean_stored_text")


class ServiceTests(ModerationTestCase):
    def test_a_control_character_in_a_report_note_is_stored_cleaned(self):
        report = services.report(
            reporter=self.charlie, target=self.summary, reason="spam", note=DIRTY
        )
        report.refresh_from_db()
        self.assertEqual(report.note, CLEAN)

    def test_a_control_character_in_a_reason_is_stored_cleaned_on_the_log(self):
        action = services.hide(moderator=self.bob, target=self.summary, reason=DIRTY)
        action.refresh_from_db()
        self.assertEqual(action.reason, CLEAN)

    def test_a_ban_reason_is_stored_cleaned_on_the_member_and_the_log(self):
        action = services.ban(moderator=self.bob, user=self.charlie, reason=DIRTY)
        self.charlie.refresh_from_db()
        self.assertEqual((self.charlie.ban_reason, action.reason), (CLEAN, CLEAN))

    def test_a_merge_reason_is_stored_cleaned_on_the_merge_log(self):
        services.merge(moderator=self.bob, kept=self.paper, merged=make_paper(), reason=DIRTY)
        self.assertEqual(MergeLog.objects.get().reason, CLEAN)

    def test_a_reason_of_nothing_but_control_characters_is_no_reason(self):
        with self.assertRaisesMessage(Exception, "Say why"):
            services.hide(moderator=self.bob, target=self.summary, reason="\x01\x0b")


class MigrationTests(ModerationTestCase):
    """The migration's function on rows written past the services, as old rows were."""

    def setUp(self):
        # Committed as it goes: a change said later must not join a batch of these.
        with self.captureOnCommitCallbacks(execute=True):
            super().setUp()
            report = services.report(reporter=self.charlie, target=self.summary, reason="spam")
            action = services.hide(moderator=self.bob, target=self.summary, reason="Spam.")
            self.untouched = services.restore(
                moderator=self.bob, target=self.summary, reason="Clean ° text 😀 \ufffd."
            )
        dirty = storable(DIRTY)
        Report.objects.filter(pk=report.pk).update(note=dirty)
        ModerationAction.objects.filter(pk=action.pk).update(reason=dirty, target_label=dirty)
        self.report, self.action = report, action

    def run_migration(self):
        with self.captureOnCommitCallbacks(execute=True):
            migration.clean_stored_text(apps, None)

    def test_it_cleans_report_notes_and_action_reasons_and_labels(self):
        self.run_migration()
        self.report.refresh_from_db()
        self.action.refresh_from_db()
        self.assertEqual(self.report.note, CLEAN)
        self.assertEqual((self.action.reason, self.action.target_label), (CLEAN, CLEAN))

    def test_it_leaves_clean_rows_as_they_were(self):
        before = ModerationAction.objects.values().get(pk=self.untouched.pk)
        self.run_migration()
        self.assertEqual(ModerationAction.objects.values().get(pk=self.untouched.pk), before)

    @override_settings(PAGE_CACHE_SECONDS=600)
    def test_it_says_the_public_log_changed(self):
        self.run_migration()
        self.assertEqual(
            set(ContentChange.objects.values_list("tag", flat=True)), {"list:moderation"}
        )
        ContentChange.objects.all().delete()
        self.run_migration()
        self.assertFalse(ContentChange.objects.exists())
