"""The discussion on a summary's permalink page."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.community import services
from shortscience.community.models import Comment
from shortscience.community.services import cast_vote
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.test import make_paper, make_summary, make_user


class ThreadPageTests(CommunityTestCase):
    def page(self, summary=None) -> str:
        r = self.client.get((summary or self.summary).get_absolute_url())
        self.assertEqual(r.status_code, 200)
        return r.content.decode()

    def order(self, html: str) -> list[int]:
        return [int(pk) for pk in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', html)]

    def test_it_shows_the_thread_with_replies_nested(self):
        top = self.comment(self.bob, "Top *level*.")
        reply = self.comment(self.charlie, "A reply with $y$.", parent=top)
        html = self.page()
        self.assertIn('<section class="discussion" id="comments">', html)
        self.assertIn("2 comments", html)
        self.assertIn("<em>level</em>", html)
        self.assertIn('class="katex"', html)
        self.assertEqual(self.order(html), [top.pk, reply.pk])
        nested = html.split(f'id="comment-{top.pk}"', 1)[1]
        self.assertRegex(
            nested, rf'<ol class="comments">\s*<li class="comment" id="comment-{reply.pk}"'
        )

    def test_siblings_are_ordered_by_wilson_score_then_age(self):
        first, second, third, fourth = (self.comment(self.bob, f"Comment {n}.") for n in range(4))
        for voter in (make_user("v1"), make_user("v2")):
            cast_vote(voter, comment=fourth, value=1)
        cast_vote(self.charlie, comment=third, value=1)
        cast_vote(self.charlie, comment=first, value=-1)
        # 2 up, then 1 up, then the two scored 0 (one vote down, no votes) oldest first.
        self.assertEqual(self.order(self.page()), [fourth.pk, third.pk, first.pk, second.pk])

    def test_members_get_reply_boxes_that_open_without_javascript(self):
        top = self.comment(self.bob)
        self.client.force_login(self.charlie)
        html = self.page()
        self.assertIn('<details class="reply">', html)
        self.assertIn(f'<input type="hidden" name="parent" value="{top.pk}">', html)
        self.assertIn(f'action="/summary/{self.summary.pk}/comments"', html)
        self.assertIn('id="new-comment"', html)

    def test_a_visitor_reads_the_thread_and_is_invited_to_log_in(self):
        self.comment(self.bob, "Visible to all.")
        html = self.page()
        self.assertIn("Visible to all.", html)
        self.assertNotIn('<details class="reply">', html)
        self.assertNotIn('id="new-comment"', html)
        self.assertIn("to join the discussion", html)

    def test_edit_and_delete_links_show_to_the_author_and_delete_to_moderators(self):
        comment = self.comment(self.bob)
        edit, delete = f"/comment/{comment.pk}/edit", f"/comment/{comment.pk}/delete"
        self.client.force_login(self.bob)
        html = self.page()
        self.assertIn(edit, html)
        self.assertIn(delete, html)
        self.client.force_login(self.dora)
        html = self.page()
        self.assertNotIn(edit, html)
        self.assertIn(delete, html)
        for viewer in (self.alice, self.charlie, None):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            html = self.page()
            self.assertNotIn(edit, html)
            self.assertNotIn(delete, html)

    def test_the_edit_link_goes_when_the_window_closes(self):
        comment = self.comment(self.bob)
        Comment.objects.filter(pk=comment.pk).update(created=comment.created.replace(year=2000))
        self.client.force_login(self.bob)
        self.assertNotIn(f"/comment/{comment.pk}/edit", self.page())

    def test_a_deleted_comment_with_replies_keeps_its_place_as_deleted(self):
        parent = self.comment(self.bob, "Regrettable words.")
        reply = self.comment(self.charlie, "Replying to them.", parent=parent)
        lonely = self.comment(self.bob, "Lonely words.")
        services.delete_comment(self.bob, parent)
        services.delete_comment(self.bob, lonely)
        html = self.page()
        self.assertNotIn("Regrettable words.", html)
        self.assertNotIn("Lonely words.", html)
        self.assertIn("[deleted]", html)
        self.assertIn("Replying to them.", html)
        self.assertEqual(self.order(html), [parent.pk, reply.pk])
        self.assertIn("1 comment<", html)

    def test_a_hidden_comment_shows_only_to_its_author_with_a_note(self):
        hidden = self.comment(self.bob, "Over the line.")
        Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
        self.client.force_login(self.bob)
        html = self.page()
        self.assertIn("Over the line.", html)
        self.assertIn("A moderator hid this comment", html)
        self.client.force_login(self.dora)
        self.assertIn("Over the line.", self.page())
        for viewer in (self.charlie, self.alice, None):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            html = self.page()
            self.assertNotIn("Over the line.", html)
            self.assertNotIn(f'id="comment-{hidden.pk}"', html)

    def test_a_hidden_comment_with_replies_leaves_a_placeholder_for_others(self):
        hidden = self.comment(self.bob, "Over the line.")
        self.comment(self.charlie, "A fair reply.", parent=hidden)
        Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
        html = self.page()
        self.assertNotIn("Over the line.", html)
        self.assertIn("[removed by a moderator]", html)
        self.assertIn("A fair reply.", html)

    def test_the_anonymous_summarys_author_stays_anonymous_in_its_discussion(self):
        summary = make_summary(make_paper(), self.bob, "Unsigned summary.", is_anonymous=True)
        self.comment(self.bob, "Author here: thanks!", summary=summary)
        self.comment(self.charlie, "Charlie here.", summary=summary)
        html = self.page(summary)
        self.assertIn("Anonymous (the summary&#x27;s author)", html)
        self.assertNotIn("Bob Berners", html)
        self.assertIn("charlie", html)

    def test_a_shared_private_summary_has_no_discussion(self):
        self.summary.visibility = "private"
        self.summary.share_token = "t" * 43
        self.summary.save()
        r = self.client.get(self.summary.get_absolute_url(), {"share": "t" * 43})
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'id="comments"')
        self.assertNotContains(r, "vote-form")

    def test_its_query_count_does_not_grow_with_the_thread(self):
        self.comment(self.charlie, "One.")
        self.client.force_login(self.bob)
        url = self.summary.get_absolute_url()
        self.client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as one:
            self.client.get(url)
        parent = None
        for i in range(12):
            writer = make_user(f"writer{i}")
            parent = self.comment(writer, f"Comment {i}.", parent=parent if i % 3 else None)
            cast_vote(self.bob, comment=parent, value=1 if i % 2 else -1)
        cast_vote(self.bob, summary=self.summary, value=1)
        with CaptureQueriesContext(connection) as many:
            r = self.client.get(url)
        self.assertContains(r, "Comment 11.")
        self.assertEqual(len(one), len(many), [q["sql"] for q in many.captured_queries])
