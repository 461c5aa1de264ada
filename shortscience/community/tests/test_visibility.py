"""Who may see a summary and a comment: one rule each, as a method on the row (can_view) and
as a filter on the QuerySet (visible_to), and the two agree for every reader and case."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from shortscience.community.models import Comment
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.summaries.models import Summary
from shortscience.test import make_comment, make_paper, make_summary, update_summary


class VisibilityRuleTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        # alice's summaries: public, private (once public: it has comments), hidden.
        self.private = make_summary(make_paper("Private Later"), self.alice, "Soon private.")
        self.hidden = make_summary(make_paper("Hidden Later"), self.alice, "Soon hidden.")
        self.comments = {}
        for summary in (self.summary, self.private, self.hidden):
            self.comments[summary.pk, "shown"] = make_comment(summary, self.bob, "Shown.")
            self.comments[summary.pk, "hidden"] = make_comment(
                summary, self.bob, "Hidden.", is_hidden=True
            )
            self.comments[summary.pk, "deleted"] = make_comment(
                summary, self.bob, "Deleted.", is_deleted=True
            )
        make_summary(self.private.paper, self.alice, "Soon private.", visibility="private")
        update_summary(self.hidden, is_hidden=True)
        self.readers = {
            "a visitor": AnonymousUser(),
            "the summary's author": self.alice,
            "the comments' author": self.bob,
            "a stranger": self.charlie,
            "a moderator": self.dora,
        }

    def test_the_summary_rule_and_its_filter_agree(self):
        for name, reader in self.readers.items():
            shown = set(Summary.objects.visible_to(reader).values_list("pk", flat=True))
            for summary in Summary.objects.all():
                with self.subTest(reader=name, summary=summary.pk):
                    self.assertEqual(summary.can_view(reader), summary.pk in shown)

    def test_the_comment_rule_and_its_filter_agree(self):
        for name, reader in self.readers.items():
            shown = set(Comment.objects.visible_to(reader).values_list("pk", flat=True))
            for comment in Comment.objects.select_related("summary"):
                with self.subTest(reader=name, comment=comment.body, summary=comment.summary_id):
                    self.assertEqual(comment.can_view(reader), comment.pk in shown)

    def test_what_each_reader_sees_of_the_comments_under_a_public_summary(self):
        expected = {
            "a visitor": {"Shown.", "Deleted."},
            "the summary's author": {"Shown.", "Deleted."},
            "the comments' author": {"Shown.", "Hidden.", "Deleted."},
            "a stranger": {"Shown.", "Deleted."},
            "a moderator": {"Shown.", "Hidden.", "Deleted."},
        }
        for name, reader in self.readers.items():
            with self.subTest(reader=name):
                seen = Comment.objects.visible_to(reader).filter(summary=self.summary)
                self.assertEqual(set(seen.values_list("body", flat=True)), expected[name])
                texts = {c.body for c in seen if c.text_shown_to(reader)}
                self.assertEqual(texts, expected[name] - {"Deleted."})

    def test_under_a_private_or_hidden_summary_only_its_author_sees_comments(self):
        for summary in (self.private, self.hidden):
            for name, reader in self.readers.items():
                with self.subTest(reader=name, summary=summary.paper.title):
                    seen = Comment.objects.visible_to(reader).filter(summary=summary)
                    self.assertEqual(seen.exists(), reader == self.alice)
