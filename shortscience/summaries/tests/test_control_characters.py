"""Characters neither XML nor HTML can carry (lib/text.py) never reach a stored summary:
save_summary() cleans every write (the editor, the API, the notes import), and migration
0009 cleaned the rows saved before it did."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.test import override_settings

from shortscience.accounts.services import create_api_token
from shortscience.lib.text import clean
from shortscience.search.services import ranked_paper_ids
from shortscience.summaries import search_index
from shortscience.summaries.models import Revision, Summary, SummaryChange
from shortscience.test import BaseTestCase, make_paper, make_summary, update_summary
from shortscience.web.models import ContentChange
from shortscience.web.tests.test_stored_text import CLEAN, DIRTY, storable

migration = import_module("shortscience.summaries.migrations.0009_clean_stored_text")


class SaveSummaryTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", identifiers={"arxiv": "1706.03762"})

    def test_a_control_character_written_through_save_summary_is_stored_cleaned(self):
        summary = make_summary(self.paper, self.alice, DIRTY)
        summary.refresh_from_db()
        self.assertEqual(summary.body, CLEAN)
        for name in ("body_html", "excerpt", "excerpt_html", "body_text"):
            self.assertEqual(clean(getattr(summary, name)), getattr(summary, name), name)
        self.assertIn("Zebrafish swim in schools", summary.body_text)
        self.assertEqual(Revision.objects.get().body, CLEAN)

    def test_a_body_of_nothing_but_control_characters_is_empty(self):
        with self.assertRaisesMessage(Exception, "A summary cannot be empty."):
            make_summary(self.paper, self.alice, "\x01\x0b\x1f")
        self.assertFalse(Summary.objects.exists())

    def test_a_control_character_sent_to_the_api_is_stored_cleaned(self):
        _, token = create_api_token(self.alice, name="notes script", scope="write")
        r = self.client.post(
            "/api/v1/summaries",
            '{"paper": "arXiv:1706.03762", "body_markdown": "Zebra\\u0001fish\\u000b swim."}',
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(Summary.objects.get().body, "Zebrafish swim.")


class MigrationTests(BaseTestCase):
    """The migration's function on rows written past the services, as old rows were."""

    def setUp(self):
        super().setUp()
        # Committed as it goes: a change said later must not join a batch of these.
        with self.captureOnCommitCallbacks(execute=True):
            self.write_rows()

    def write_rows(self):
        self.paper = make_paper("Attention Is All You Need")
        self.summary = make_summary(self.paper, self.alice, "Placeholder.")
        self.private = make_summary(make_paper(), self.bob, "Mine.", visibility="private")
        dirty = storable(DIRTY)
        for summary in (self.summary, self.private):
            update_summary(
                summary,
                body=dirty,
                body_html=f"<p>{dirty}</p>",
                excerpt=dirty,
                excerpt_html=f"<p>{dirty}</p>",
                body_text=dirty,
            )
            summary.revisions.update(body=dirty)
        search_index.index_summaries([self.summary.pk])  # as an old save indexed it
        self.untouched = make_summary(make_paper(), self.charlie, "Clean ° text 😀 \ufffd.")

    def run_migration(self):
        with self.captureOnCommitCallbacks(execute=True):
            migration.clean_stored_text(apps, None)

    def test_it_cleans_every_stored_text_of_summaries_and_revisions(self):
        self.run_migration()
        for summary in (self.summary, self.private):
            summary.refresh_from_db()
            self.assertEqual(summary.body, CLEAN)
            self.assertEqual(summary.body_html, f"<p>{CLEAN}</p>")
            self.assertEqual(summary.excerpt, CLEAN)
            self.assertEqual(summary.excerpt_html, f"<p>{CLEAN}</p>")
            self.assertEqual(summary.body_text, CLEAN)
            self.assertEqual(summary.revisions.get().body, CLEAN)

    def test_it_leaves_clean_rows_as_they_were(self):
        before = Summary.objects.values().get(pk=self.untouched.pk)
        self.run_migration()
        self.assertEqual(Summary.objects.values().get(pk=self.untouched.pk), before)

    def test_the_search_index_holds_the_cleaned_text(self):
        self.assertNotIn(self.paper.pk, ranked_paper_ids("zebrafish"))
        self.run_migration()
        self.assertIn(self.paper.pk, ranked_paper_ids("zebrafish"))

    def test_mirrors_hear_of_the_public_summary_only(self):
        SummaryChange.objects.all().delete()
        self.run_migration()
        self.assertEqual(
            list(SummaryChange.objects.values_list("summary_id", flat=True)), [self.summary.pk]
        )

    @override_settings(PAGE_CACHE_SECONDS=600)
    def test_it_says_every_page_changed_and_says_nothing_when_nothing_was_cleaned(self):
        self.run_migration()
        self.assertEqual(set(ContentChange.objects.values_list("tag", flat=True)), {"everything"})
        ContentChange.objects.all().delete()
        self.run_migration()
        self.assertFalse(ContentChange.objects.exists())
