"""Paper.public_summary_count and Paper.last_summary follow every write that changes which
summaries of a paper every visitor may read, in the same transaction."""

from __future__ import annotations

import importlib

from django.db import connection

from shortscience.library.services import merge_papers, undo_merge
from shortscience.members.services import delete_account
from shortscience.moderation import services as moderation
from shortscience.moderation.tests.helpers import ModerationTestCase
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary, refresh_paper_stats
from shortscience.test import make_paper, make_summary, make_user

BACKFILL = importlib.import_module("shortscience.papers.migrations.0008_summary_stats").BACKFILL


class PaperStatsTests(ModerationTestCase):
    """alice wrote self.summary of self.paper; bob moderates."""

    def stats(self, paper):
        paper = Paper.objects.get(pk=paper.pk)
        return paper.public_summary_count, paper.last_summary

    def listed(self):
        return set(Paper.objects.summarised().values_list("pk", flat=True))

    def test_a_public_summary_counts_and_dates_its_paper(self):
        self.summary.refresh_from_db()
        self.assertEqual(self.stats(self.paper), (1, self.summary.edited))
        later = make_summary(self.paper, self.charlie, "Charlie's.")
        self.assertEqual(self.stats(self.paper), (2, later.edited))
        self.assertEqual(self.stats(make_paper("Never summarised")), (0, None))

    def test_a_private_summary_does_not_count_and_going_private_uncounts(self):
        quiet = make_paper("Quietly read")
        make_summary(quiet, self.charlie, visibility="private")
        self.assertEqual(self.stats(quiet), (0, None))
        make_summary(self.paper, self.alice, "Now private.", visibility="private")
        self.assertEqual(self.stats(self.paper), (0, None))
        self.assertNotIn(self.paper.pk, self.listed())

    def test_a_moderators_hide_and_restore_and_delete_are_followed(self):
        moderation.hide(moderator=self.bob, target=self.summary, reason="Spam.")
        self.assertEqual(self.stats(self.paper), (0, None))
        self.assertNotIn(self.paper.pk, self.listed())
        moderation.restore(moderator=self.bob, target=self.summary, reason="Not spam.")
        self.assertEqual(self.stats(self.paper)[0], 1)
        self.assertIn(self.paper.pk, self.listed())
        moderation.delete(moderator=self.bob, target=self.summary, reason="Spam after all.")
        self.assertEqual(self.stats(self.paper), (0, None))

    def test_a_deleted_account_takes_its_summaries_counts_along(self):
        delete_account(user=self.alice, keep_content=False)
        self.assertEqual(self.stats(self.paper), (0, None))

    def test_a_merge_moves_the_counts_and_undoing_it_moves_them_back(self):
        twin = make_paper("Attention Is All You Need (preprint)")
        make_summary(twin, self.charlie, "On the preprint.")
        log = merge_papers(self.paper, twin, reason="Same paper.")
        self.assertEqual((self.stats(self.paper)[0], self.stats(twin)[0]), (2, 0))
        undo_merge(log)
        self.assertEqual((self.stats(self.paper)[0], self.stats(twin)[0]), (1, 1))

    def test_a_full_refresh_and_the_migrations_backfill_repair_stale_numbers(self):
        stranger = make_user("stranger")
        other = make_paper("Another")
        make_summary(other, stranger)
        expected = {p.pk: self.stats(p) for p in (self.paper, other)}
        for repair in (refresh_paper_stats, lambda: connection.cursor().execute(BACKFILL)):
            with self.subTest(repair=repair):
                # Stale both ways: a count for a paper without summaries, none for one with.
                Summary.objects.filter(paper=other).update(is_hidden=True)
                Paper.objects.filter(pk=self.paper.pk).update(
                    public_summary_count=0, last_summary=None
                )
                repair()
                self.assertEqual(self.stats(self.paper), expected[self.paper.pk])
                self.assertEqual(self.stats(other), (0, None))
                Summary.objects.filter(paper=other).update(is_hidden=False)
                refresh_paper_stats()
                self.assertEqual(self.stats(other), expected[other.pk])
