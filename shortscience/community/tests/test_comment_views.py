from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.test import override_settings
from django.utils import timezone

from shortscience.community.models import Comment
from shortscience.community.tests.helpers import CommunityTestCase
from shortscience.moderation.models import ModerationAction
from shortscience.test import make_summary


class PostCommentViewTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/summary/{self.summary.pk}/comments"

    def test_a_member_comments_with_a_plain_post_and_lands_on_the_comment(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"body": "Nice *summary*."})
        comment = Comment.objects.get()
        self.assertRedirects(
            r,
            f"{self.summary.get_absolute_url()}#comment-{comment.pk}",
            fetch_redirect_response=False,
        )
        self.assertEqual((comment.user, comment.body), (self.bob, "Nice *summary*."))

    def test_the_summarys_author_and_a_moderator_comment_too(self):
        for user in (self.alice, self.dora):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url, {"body": "Hi."}).status_code, 302)
        self.assertEqual(self.reload(self.summary).comment_count, 2)

    def test_a_reply_names_its_parent(self):
        parent = self.comment(self.charlie, "Question?")
        self.client.force_login(self.bob)
        self.client.post(self.url, {"body": "Answer.", "parent": parent.pk})
        reply = Comment.objects.get(body="Answer.")
        self.assertEqual((reply.parent, reply.depth), (parent, 1))

    def test_a_parent_that_is_not_an_id_is_a_400_and_posts_nothing(self):
        self.client.force_login(self.bob)
        for parent in ("abc", "1.5", "-1", "²", "9" * 30):
            with self.subTest(parent=parent):
                r = self.client.post(self.url, {"body": "Answer.", "parent": parent})
                self.assertEqual(r.status_code, 400)
        self.assertFalse(Comment.objects.exists())

    def test_a_parent_from_another_summary_is_a_404(self):
        other = make_summary(self.paper, self.charlie, "Charlie's summary.")
        elsewhere = self.comment(self.bob, summary=other)
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"body": "Answer.", "parent": elsewhere.pk})
        self.assertEqual(r.status_code, 404)

    def test_a_script_gets_json(self):
        self.client.force_login(self.bob)
        r = self.json_post(self.url, {"body": "With $x$."})
        self.assertEqual(r.status_code, 201)
        data = r.json()
        self.assertEqual(data["url"], f"{self.summary.get_absolute_url()}#comment-{data['id']}")
        self.assertIn('class="katex"', data["html"])
        r = self.json_post(self.url, {"body": "  "})
        self.assertEqual((r.status_code, r.json()["ok"]), (400, False))

    def test_an_invalid_comment_comes_back_with_its_text_and_the_reason(self):
        self.client.force_login(self.bob)
        with override_settings(COMMENT_MAX_CHARS=10):
            r = self.client.post(self.url, {"body": "Far too long for the cap."})
        self.assertContains(r, "at most 10 characters", status_code=400)
        self.assertContains(r, "Far too long for the cap.</textarea>", status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_a_visitor_is_sent_to_log_in(self):
        r = self.client.post(self.url, {"body": "Hello."})
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Comment.objects.exists())

    def test_a_summary_the_member_cannot_see_is_a_404(self):
        private = make_summary(self.paper, self.charlie, "Secret.", visibility="private")
        self.client.force_login(self.bob)
        r = self.client.post(f"/summary/{private.pk}/comments", {"body": "Hi."})
        self.assertEqual(r.status_code, 404)

    def test_it_is_rate_limited(self):
        self.client.force_login(self.bob)
        with mock.patch.dict("shortscience.accounts.ratelimit.POLICIES", {"comment": (2, 3600)}):
            codes = [self.client.post(self.url, {"body": "Hi."}).status_code for _ in range(2)]
        self.assertEqual(codes, [302, 429])  # halved to 1 for bob's new account


class PreviewCommentViewTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/summary/{self.summary.pk}/comments/preview"

    def test_without_javascript_the_form_comes_back_with_the_preview_and_nothing_is_posted(self):
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"body": "With $x^2$ and *emphasis*."})
        self.assertContains(r, "Preview: nothing is posted yet")
        self.assertContains(r, '<span class="katex">')
        self.assertContains(r, "<em>emphasis</em>")
        self.assertContains(r, "With $x^2$ and *emphasis*.</textarea>")
        self.assertContains(r, f'action="/summary/{self.summary.pk}/comments"')
        self.assertEqual(r["Cache-Control"].count("no-store"), 1)
        self.assertFalse(Comment.objects.exists())

    def test_with_javascript_it_answers_the_sanitized_html_as_json(self):
        self.client.force_login(self.bob)
        r = self.json_post(self.url, {"body": "Hi <script>alert(1)</script> $y$"})
        data = r.json()
        self.assertTrue(data["ok"])
        self.assertIn('class="katex"', data["html"])
        self.assertNotIn("<script", data["html"])
        self.assertFalse(Comment.objects.exists())

    def test_a_reply_and_an_edit_keep_what_they_are_through_the_preview(self):
        parent = self.comment(self.charlie, "Question?")
        mine = self.comment(self.bob, "Frist.")
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"body": "Answer.", "parent": parent.pk})
        self.assertContains(r, f'<input type="hidden" name="parent" value="{parent.pk}">')
        r = self.client.post(self.url, {"body": "First.", "comment": mine.pk})
        self.assertContains(r, f'action="/comment/{mine.pk}/edit"')
        self.assertEqual(self.reload(mine).body, "Frist.")

    def test_previewing_someone_elses_comment_as_an_edit_is_refused(self):
        theirs = self.comment(self.charlie, "Theirs.")
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"body": "Mine now.", "comment": theirs.pk})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(self.json_post(self.url, {"body": "x", "comment": "abc"}).status_code, 400)

    def test_an_empty_or_too_long_text_is_a_400_with_the_reason(self):
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.post(self.url, {"body": " "}), "cannot be empty", status_code=400
        )
        with override_settings(COMMENT_MAX_CHARS=10):
            r = self.json_post(self.url, {"body": "Far too long for the cap."})
        self.assertEqual((r.status_code, r.json()["ok"]), (400, False))

    def test_visitors_are_sent_to_log_in_and_hidden_summaries_are_a_404(self):
        r = self.client.post(self.url, {"body": "Hello."})
        self.assertIn("/accounts/login/", r["Location"])
        private = make_summary(self.paper, self.charlie, "Secret.", visibility="private")
        self.client.force_login(self.bob)
        r = self.client.post(f"/summary/{private.pk}/comments/preview", {"body": "Hi."})
        self.assertEqual(r.status_code, 404)

    def test_it_spends_the_preview_bucket_not_the_comment_one(self):
        self.client.force_login(self.bob)
        with mock.patch.dict(
            "shortscience.accounts.ratelimit.POLICIES", {"preview": (1, 3600), "comment": (2, 3600)}
        ):
            codes = [self.client.post(self.url, {"body": "Hi."}).status_code for _ in range(2)]
            posted = self.client.post(f"/summary/{self.summary.pk}/comments", {"body": "Hi."})
        self.assertEqual(codes, [200, 429])
        self.assertEqual(posted.status_code, 302)

    def test_the_summary_page_offers_preview_on_every_comment_form(self):
        parent = self.comment(self.charlie, "Question?")
        self.client.force_login(self.bob)
        r = self.client.get(self.summary.get_absolute_url())
        self.assertContains(r, f'formaction="{self.url}"', count=2)  # new comment, reply to parent
        self.assertContains(r, f'name="parent" value="{parent.pk}"')


class EditCommentViewTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.mine = self.comment(self.bob, "Frist.")
        self.url = f"/comment/{self.mine.pk}/edit"

    def test_its_author_edits_it(self):
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(self.url), "Frist.</textarea>")
        r = self.client.post(self.url, {"body": "First."})
        self.assertRedirects(r, self.mine.thread_url(), fetch_redirect_response=False)
        self.assertEqual(self.reload(self.mine).body, "First.")
        r = self.json_post(self.url, {"body": "First!"})
        self.assertEqual(r.json()["html"].strip(), "<p>First!</p>")

    def test_others_are_refused_and_visitors_sent_to_log_in(self):
        for user in (self.alice, self.charlie, self.dora):
            self.client.force_login(user)
            with self.subTest(user=user):
                self.assertEqual(self.client.get(self.url).status_code, 403)
                self.assertEqual(self.client.post(self.url, {"body": "Mine now."}).status_code, 403)
        self.client.logout()
        self.assertIn("/accounts/login/", self.client.post(self.url, {"body": "x"})["Location"])
        self.assertEqual(self.reload(self.mine).body, "Frist.")

    def test_after_the_window_the_author_is_refused_too(self):
        Comment.objects.filter(pk=self.mine.pk).update(
            created=timezone.now() - timedelta(minutes=61)
        )
        self.client.force_login(self.bob)
        self.assertEqual(self.client.post(self.url, {"body": "Late."}).status_code, 403)
        self.assertEqual(self.json_post(self.url, {"body": "Late."}).status_code, 403)

    def test_an_empty_edit_is_refused_with_the_form(self):
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.post(self.url, {"body": ""}), "cannot be empty", status_code=400
        )


class DeleteCommentViewTests(CommunityTestCase):
    def setUp(self):
        super().setUp()
        self.mine = self.comment(self.bob, "Regrettable.")
        self.url = f"/comment/{self.mine.pk}/delete"

    def test_its_author_confirms_and_deletes_it(self):
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(self.url), "Delete your comment?")
        r = self.client.post(self.url)
        self.assertRedirects(r, self.mine.thread_url(), fetch_redirect_response=False)
        self.assertTrue(self.reload(self.mine).is_deleted)
        self.assertEqual(self.reload(self.summary).comment_count, 0)

    def test_a_script_deletes_with_json(self):
        self.client.force_login(self.bob)
        self.assertEqual(self.json_post(self.url).json(), {"ok": True, "id": self.mine.pk})

    def test_a_moderator_deletes_with_a_reason_on_the_public_log(self):
        self.client.force_login(self.dora)
        page = self.client.get(self.url)
        self.assertContains(page, "public moderation log")
        # The page's form goes to the moderation action, which writes the log line.
        act = f"/moderation/act/comment/{self.mine.pk}"
        self.assertContains(page, f'action="{act}"')
        form = {"action": "delete", "next": self.mine.thread_url()}
        r = self.client.post(act, {**form, "reason": ""}, follow=True)
        self.assertContains(r, "Say why")
        self.assertFalse(self.reload(self.mine).is_deleted)
        self.assertEqual(self.client.post(self.url).status_code, 403)  # not the author's way
        self.assertFalse(self.reload(self.mine).is_deleted)
        r = self.client.post(act, {**form, "reason": "Off-topic."})
        self.assertRedirects(r, self.mine.thread_url(), fetch_redirect_response=False)
        self.assertTrue(self.reload(self.mine).is_deleted)
        self.assertEqual(self.reload(self.summary).comment_count, 0)
        action = ModerationAction.objects.get()
        self.assertEqual((action.moderator, action.reason), (self.dora, "Off-topic."))

    def test_others_are_refused_and_visitors_sent_to_log_in(self):
        for user in (self.alice, self.charlie):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url).status_code, 403)
        self.client.logout()
        self.assertIn("/accounts/login/", self.client.post(self.url)["Location"])
        self.assertFalse(self.reload(self.mine).is_deleted)


class CommentPermalinkTests(CommunityTestCase):
    def test_it_redirects_to_the_comment_in_its_thread(self):
        comment = self.comment(self.bob)
        r = self.client.get(f"/comment/{comment.pk}")
        self.assertRedirects(
            r, f"/summary/{self.summary.pk}#comment-{comment.pk}", fetch_redirect_response=False
        )

    def test_a_comment_nobody_may_see_is_a_404(self):
        private = make_summary(self.paper, self.charlie, "Secret.", visibility="private")
        on_private = self.comment(self.charlie, summary=private)
        hidden = self.comment(self.bob)
        Comment.objects.filter(pk=hidden.pk).update(is_hidden=True)
        for pk in (on_private.pk, hidden.pk, 999999):
            with self.subTest(pk=pk):
                self.assertEqual(self.client.get(f"/comment/{pk}").status_code, 404)
        self.client.force_login(self.bob)  # its author still finds a hidden comment
        self.assertEqual(self.client.get(f"/comment/{hidden.pk}").status_code, 302)
