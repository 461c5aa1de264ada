from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction, Report
from shortscience.moderation.tests.helpers import ModerationTestCase, make_comment
from shortscience.papers.models import Paper
from shortscience.summaries.models import Summary
from shortscience.test import make_paper, make_summary, update_summary


class ReportServiceTests(ModerationTestCase):
    def test_a_member_reports_a_summary(self):
        r = services.report(reporter=self.charlie, target=self.summary, reason="spam", note=" buy ")
        self.assertEqual(
            (r.summary, r.reason, r.note, r.status), (self.summary, "spam", "buy", "open")
        )

    def test_one_open_report_per_reporter_per_target(self):
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        with self.assertRaises(ValidationError):
            services.report(reporter=self.charlie, target=self.summary, reason="abusive")
        self.assertEqual(Report.objects.count(), 1)

    def test_a_resolved_report_does_not_block_a_new_one(self):
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        services.dismiss(moderator=self.bob, target=self.summary, reason="Not spam.")
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        self.assertEqual(Report.objects.open().count(), 1)

    def test_nobody_reports_their_own_work_or_themselves(self):
        with self.assertRaises(ValidationError):
            services.report(reporter=self.alice, target=self.summary, reason="spam")
        with self.assertRaises(ValidationError):
            services.report(reporter=self.alice, target=self.alice, reason="spam")

    def test_it_refuses_an_unknown_reason_and_a_long_note(self):
        with self.assertRaises(ValidationError):
            services.report(reporter=self.charlie, target=self.summary, reason="boring")
        with self.assertRaises(ValidationError):
            services.report(
                reporter=self.charlie, target=self.summary, reason="other", note="x" * 1001
            )
        self.assertFalse(Report.objects.exists())


class HideRestoreDeleteTests(ModerationTestCase):
    def test_hiding_a_summary_logs_it_and_resolves_its_reports(self):
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        action = services.hide(moderator=self.bob, target=self.summary, reason="Advertising.")
        self.summary.refresh_from_db()
        self.assertTrue(self.summary.is_hidden)
        self.assertEqual(
            (action.moderator, action.action, action.target_kind), (self.bob, "hide", "summary")
        )
        self.assertEqual(action.target_label, "Summary of \u201cAttention Is All You Need\u201d")
        report = Report.objects.get()
        self.assertEqual((report.status, report.resolved_by), ("resolved", self.bob))

    def test_restoring_a_summary_shows_it_again(self):
        services.hide(moderator=self.bob, target=self.summary, reason="Checking.")
        services.restore(moderator=self.bob, target=self.summary, reason="It was fine.")
        self.summary.refresh_from_db()
        self.assertFalse(self.summary.is_hidden)

    def test_hiding_and_restoring_a_comment_keeps_the_comment_count(self):
        comment = make_comment(self.summary, self.charlie)
        make_comment(self.summary, self.alice)
        update_summary(self.summary, comment_count=2)
        services.hide(moderator=self.bob, target=comment, reason="Rude.")
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.comment_count, 1)
        services.restore(moderator=self.bob, target=comment, reason="On reflection, fine.")
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.comment_count, 2)

    def test_deleting_a_comment_is_a_soft_delete(self):
        comment = make_comment(self.summary, self.charlie)
        services.delete(moderator=self.bob, target=comment, reason="Spam link.")
        comment.refresh_from_db()
        self.assertTrue(comment.is_deleted)
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.comment_count, 0)

    def test_deleting_a_summary_removes_it_and_keeps_the_log_line(self):
        pk = self.summary.pk
        services.report(reporter=self.charlie, target=self.summary, reason="plagiarism")
        services.delete(moderator=self.bob, target=self.summary, reason="Copied from the abstract.")
        self.assertFalse(Summary.objects.filter(pk=pk).exists())
        action = ModerationAction.objects.get()
        self.assertEqual((action.action, action.target_id), ("delete", pk))

    def test_only_moderators_act(self):
        with self.assertRaises(PermissionDenied):
            services.hide(moderator=self.charlie, target=self.summary, reason="I dislike it.")
        self.summary.refresh_from_db()
        self.assertFalse(self.summary.is_hidden)
        self.assertFalse(ModerationAction.objects.exists())

    def test_a_reason_is_required(self):
        with self.assertRaises(ValidationError):
            services.hide(moderator=self.bob, target=self.summary, reason="   ")
        self.summary.refresh_from_db()
        self.assertFalse(self.summary.is_hidden)

    def test_dismissing_needs_open_reports(self):
        with self.assertRaises(ValidationError):
            services.dismiss(moderator=self.bob, target=self.summary, reason="Nothing.")
        services.report(reporter=self.charlie, target=self.summary, reason="spam")
        services.dismiss(moderator=self.bob, target=self.summary, reason="Not spam.")
        self.assertEqual(Report.objects.get().status, "dismissed")


class LabelTests(ModerationTestCase):
    def test_an_anonymous_summary_is_labelled_without_its_author(self):
        anon = make_summary(make_paper("Secret Paper"), self.alice, is_anonymous=True)
        label = services.target_label(anon)
        self.assertEqual(label, "Summary of \u201cSecret Paper\u201d")
        self.assertNotIn("Alice", label)
        self.assertNotIn("alice", label)

    def test_a_signed_summary_is_labelled_without_its_author_too(self):
        # It could be made anonymous tomorrow; the log line stays.
        self.assertNotIn("Alice", services.target_label(self.summary))

    def test_a_private_summary_is_labelled_with_neither_paper_nor_author(self):
        paper = make_paper("Private Paper")
        comment = make_comment(make_summary(paper, self.alice, "secret text"), self.charlie)
        private = make_summary(paper, self.alice, "secret text", visibility="private")
        label = services.target_label(private)
        self.assertEqual(label, "A private summary")
        comment.summary = private
        self.assertEqual(services.target_label(comment), "Comment by charlie on a private summary")


class BanServiceTests(ModerationTestCase):
    def test_a_ban_sets_the_reason_and_logs_it(self):
        services.report(reporter=self.alice, target=self.charlie, reason="abusive")
        action = services.ban(moderator=self.bob, user=self.charlie, reason="Harassment.")
        self.charlie.refresh_from_db()
        self.assertTrue(self.charlie.is_banned)
        self.assertEqual(self.charlie.ban_reason, "Harassment.")
        self.assertEqual((action.action, action.target_label), ("ban", "charlie (@charlie)"))
        self.assertEqual(Report.objects.get().status, "resolved")

    def test_an_unban_clears_it(self):
        services.ban(moderator=self.bob, user=self.charlie, reason="Spam.")
        services.unban(moderator=self.bob, user=self.charlie, reason="Appeal accepted.")
        self.charlie.refresh_from_db()
        self.assertFalse(self.charlie.is_banned)
        self.assertEqual(ModerationAction.objects.count(), 2)

    def test_a_moderator_cannot_ban_themselves(self):
        with self.assertRaises(ValidationError):
            services.ban(moderator=self.bob, user=self.bob, reason="Oops.")


class MergeServiceTests(ModerationTestCase):
    def test_a_merge_goes_through_merge_papers_and_is_logged(self):
        duplicate = make_paper("Attention Is All You Need (preprint)")
        action = services.merge(
            moderator=self.bob, kept=self.paper, merged=duplicate, reason="Same paper."
        )
        self.assertEqual(Paper.objects.get(pk=duplicate.pk).merged_into_id, self.paper.pk)
        self.assertEqual(action.action, "merge")
        self.assertIn("preprint", action.target_label)

    def test_a_conflicting_merge_is_refused_and_not_logged(self):
        other = make_paper("Other")
        make_summary(other, self.alice)
        with self.assertRaises(ValidationError):
            services.merge(moderator=self.bob, kept=self.paper, merged=other, reason="Same?")
        self.assertFalse(ModerationAction.objects.exists())
