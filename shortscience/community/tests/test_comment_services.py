from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from shortscience.community import services
from shortscience.community.models import Comment
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.test import make_summary, update_summary
from shortscience.web.models import Task

HOSTILE = """Hello <script>alert(1)</script> <img src=x onerror="alert(2)">
[click](javascript:alert(3)) <a href="https://evil.example" onclick="x()">site</a>
<iframe src="https://evil.example"></iframe>

Math too: $\\href{javascript:alert(4)}{x}$
"""


class PostCommentTests(CommunityTestCase):
    def test_it_renders_markdown_and_math_and_counts_the_comment(self):
        comment = self.comment(self.bob, "A *point* about $x^2$.")
        self.assertIn("<em>point</em>", comment.body_html)
        self.assertIn('class="katex"', comment.body_html)
        self.assertEqual(comment.depth, 0)
        self.assertEqual(self.reload(self.summary).comment_count, 1)
        self.assertEqual(list(comment.revisions.values_list("number", "body")), [(1, comment.body)])

    def test_hostile_markdown_is_sanitized(self):
        html = self.comment(self.bob, HOSTILE).body_html
        for bad in ("<script", "onerror", 'href="javascript', "onclick", "<iframe"):
            self.assertNotIn(bad, html)
        self.assertIn('rel="nofollow ugc noopener"', html)

    def test_footnote_ids_differ_between_comments(self):
        a = self.comment(self.bob, "Claim[^1].\n\n[^1]: Source.")
        b = self.comment(self.charlie, "Claim[^1].\n\n[^1]: Source.")
        ids = [c.body_html.split('id="', 1)[1].split('"', 1)[0] for c in (a, b)]
        self.assertNotEqual(ids[0], ids[1])

    def test_it_refuses_an_empty_or_too_long_comment(self):
        with self.assertRaises(ValidationError):
            self.comment(self.bob, " \n ")
        with override_settings(COMMENT_MAX_CHARS=20), self.assertRaises(ValidationError):
            self.comment(self.bob, "x" * 21)
        self.assertFalse(Comment.objects.exists())

    def test_nobody_comments_on_a_summary_they_cannot_see(self):
        private = make_summary(self.paper, self.charlie, "Charlie's notes.", visibility="private")
        with self.assertRaises(PermissionDenied):
            self.comment(self.bob, summary=private)
        # Its author may keep notes under it.
        self.comment(self.charlie, "Note to self.", summary=private)
        self.summary.is_hidden = True
        self.summary.save()
        with self.assertRaises(PermissionDenied):
            self.comment(self.bob)

    def test_a_banned_member_does_not_comment(self):
        self.bob.banned_at = timezone.now()
        self.bob.save()
        with self.assertRaises(PermissionDenied):
            self.comment(self.bob)

    def test_replies_nest_up_to_the_cap_then_become_siblings(self):
        with override_settings(COMMENT_MAX_DEPTH=2):
            top = self.comment(self.bob, "Top.")
            one = self.comment(self.charlie, "Depth one.", parent=top)
            two = self.comment(self.bob, "Depth two.", parent=one)
            capped = self.comment(self.charlie, "Reply to depth two.", parent=two)
        self.assertEqual([c.depth for c in (top, one, two)], [0, 1, 2])
        self.assertEqual((capped.depth, capped.parent_id), (2, one.pk))

    def test_the_default_cap_is_five(self):
        parent = None
        for _ in range(8):
            parent = self.comment(self.bob, "Deeper.", parent=parent)
        self.assertEqual(parent.depth, 5)

    def test_a_reply_stays_on_its_parents_summary_and_not_under_a_removed_comment(self):
        other = make_summary(self.paper, self.bob, "Bob's summary.")
        elsewhere = self.comment(self.charlie, summary=other)
        with self.assertRaises(ValidationError):
            self.comment(self.bob, parent=elsewhere)
        gone = self.comment(self.charlie, "Soon gone.")
        services.delete_comment(self.charlie, gone)
        with self.assertRaises(ValidationError):
            self.comment(self.bob, parent=gone)

    def test_it_queues_the_fan_out_in_its_own_transaction(self):
        comment = self.comment(self.bob)
        queued = Task.objects.filter(name="comment_posted")
        self.assertEqual([t.args for t in queued], [{"comment_id": comment.pk}])
        with self.assertRaises(ValidationError), transaction.atomic():
            self.comment(self.charlie)
            self.comment(self.charlie, "")  # refused: the whole transaction goes
        self.assertEqual(queued.count(), 1)


class EditCommentTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.mine = self.comment(self.bob, "First *take*.")

    def test_its_author_edits_it_and_every_save_is_a_revision(self):
        services.edit_comment(self.bob, self.mine, "Second **take**.")
        services.edit_comment(self.bob, self.mine, "Second **take**.")  # no change, no revision
        services.edit_comment(self.bob, self.mine, "Third take.")
        comment = self.reload(self.mine)
        self.assertEqual(comment.body_html.strip(), "<p>Third take.</p>")
        self.assertIsNotNone(comment.edited)
        self.assertEqual(
            list(comment.revisions.values_list("number", "body")),
            [(1, "First *take*."), (2, "Second **take**."), (3, "Third take.")],
        )

    def test_nobody_else_edits_it_not_even_a_moderator(self):
        for user in (self.alice, self.charlie, self.dora):
            with self.subTest(user=user), self.assertRaises(PermissionDenied):
                services.edit_comment(user, self.mine, "Rewritten.")
        self.assertEqual(self.reload(self.mine).body, "First *take*.")

    def test_the_edit_window_closes(self):
        Comment.objects.filter(pk=self.mine.pk).update(
            created=timezone.now() - timedelta(minutes=61)
        )
        with self.assertRaises(PermissionDenied):
            services.edit_comment(self.bob, self.reload(self.mine), "Too late.")
        with override_settings(COMMENT_EDIT_WINDOW_MINUTES=120):
            services.edit_comment(self.bob, self.reload(self.mine), "In time after all.")

    def test_a_deleted_or_hidden_comment_is_not_edited(self):
        Comment.objects.filter(pk=self.mine.pk).update(is_hidden=True)
        with self.assertRaises(PermissionDenied):
            services.edit_comment(self.bob, self.reload(self.mine), "Sneaky.")
        Comment.objects.filter(pk=self.mine.pk).update(is_hidden=False, is_deleted=True)
        with self.assertRaises(PermissionDenied):
            services.edit_comment(self.bob, self.reload(self.mine), "Back.")


class DeleteCommentTests(CommunityTestCase):
    def test_its_author_deletes_it_softly(self):
        comment = self.comment(self.bob)
        count = self.reload(self.summary).comment_count
        services.delete_comment(self.bob, comment)
        comment = self.reload(comment)
        self.assertTrue(comment.is_deleted)
        self.assertEqual(self.reload(self.summary).comment_count, count - 1)

    def test_nobody_else_deletes_it_this_way_not_even_a_moderator_who_must_log_it(self):
        comment = self.comment(self.bob)
        for user in (self.alice, self.charlie, self.dora):
            with self.subTest(user=user), self.assertRaises(PermissionDenied):
                services.delete_comment(user, comment)
        self.assertFalse(self.reload(comment).is_deleted)

    def test_deleting_twice_counts_once_and_a_hidden_comment_was_not_counted(self):
        comment, hidden = self.comment(self.bob), self.comment(self.charlie)
        # What a moderator's hide does: the comment leaves the count.
        Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
        update_summary(self.summary, comment_count=1)
        self.assertEqual(self.reload(self.summary).comment_count, 1)
        services.delete_comment(self.bob, comment)
        services.delete_comment(self.bob, comment)
        services.delete_comment(self.charlie, self.reload(hidden))
        self.assertEqual(self.reload(self.summary).comment_count, 0)
