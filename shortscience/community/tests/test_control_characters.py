"""Characters neither XML nor HTML can carry (lib/text.py) never reach a stored comment:
validate_comment_body() cleans what posting and editing store, and migration 0003 cleaned
the rows saved before it did."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.test import override_settings

from shortscience.community.models import Comment, CommentRevision
from shortscience.community.services import edit_comment
from shortscience.lib.text import clean
from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary
from shortscience.web.models import ContentChange
from shortscience.web.tests.test_stored_text import CLEAN, DIRTY, storable

migration = import_module("shortscience.community.migrations.0003_clean_stored_text")


class CommentServiceTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.summary = make_summary(make_paper(), self.alice)

    def test_a_control_character_posted_is_stored_cleaned(self):
        comment = make_comment(self.summary, self.bob, DIRTY)
        comment.refresh_from_db()
        self.assertEqual(comment.body, CLEAN)
        self.assertEqual(clean(comment.body_html), comment.body_html)
        self.assertIn("Zebrafish swim in schools", comment.body_html)
        self.assertEqual(comment.revisions.get().body, CLEAN)

    def test_a_control_character_in_an_edit_is_stored_cleaned(self):
        comment = make_comment(self.summary, self.bob, "First.")
        edit_comment(self.bob, comment, DIRTY)
        comment.refresh_from_db()
        self.assertEqual(comment.body, CLEAN)
        self.assertEqual(clean(comment.body_html), comment.body_html)
        self.assertEqual(comment.revisions.last().body, CLEAN)

    def test_the_preview_shows_the_text_cleaned(self):
        self.client.force_login(self.bob)
        r = self.client.post(
            f"/summary/{self.summary.pk}/comments/preview",
            {"body": DIRTY},
            HTTP_ACCEPT="application/json",
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertIn("Zebrafish swim in schools", r.json()["html"])
        self.assertEqual(clean(r.json()["html"]), r.json()["html"])


class MigrationTests(BaseTestCase):
    """The migration's function on rows written past the services, as old rows were."""

    def setUp(self):
        super().setUp()
        # Committed as it goes: a change said later must not join a batch of these.
        with self.captureOnCommitCallbacks(execute=True):
            summary = make_summary(make_paper(), self.alice)
            self.comment = make_comment(summary, self.bob, "Placeholder.")
            self.untouched = make_comment(summary, self.charlie, "Clean ° text 😀 \ufffd.")
        dirty = storable(DIRTY)
        Comment.objects.filter(pk=self.comment.pk).update(body=dirty, body_html=f"<p>{dirty}</p>")
        CommentRevision.objects.filter(comment=self.comment).update(body=dirty)

    def run_migration(self):
        with self.captureOnCommitCallbacks(execute=True):
            migration.clean_stored_text(apps, None)

    def test_it_cleans_comments_and_their_revisions(self):
        self.run_migration()
        self.comment.refresh_from_db()
        self.assertEqual((self.comment.body, self.comment.body_html), (CLEAN, f"<p>{CLEAN}</p>"))
        self.assertEqual(self.comment.revisions.get().body, CLEAN)

    def test_it_leaves_clean_rows_as_they_were(self):
        before = Comment.objects.values().get(pk=self.untouched.pk)
        self.run_migration()
        self.assertEqual(Comment.objects.values().get(pk=self.untouched.pk), before)

    @override_settings(PAGE_CACHE_SECONDS=600)
    def test_it_says_every_page_changed_and_says_nothing_when_nothing_was_cleaned(self):
        self.run_migration()
        self.assertEqual(set(ContentChange.objects.values_list("tag", flat=True)), {"everything"})
        ContentChange.objects.all().delete()
        self.run_migration()
        self.assertFalse(ContentChange.objects.exists())
