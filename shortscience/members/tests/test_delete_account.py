from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from shortscience.accounts.models import AuthorClaim
from shortscience.community.models import Comment, CommentRevision, Vote
from shortscience.summaries.models import Revision, Summary
from shortscience.test import (
    BaseTestCase,
    make_comment,
    make_paper,
    make_summary,
    make_vote,
    update_summary,
)

User = get_user_model()


class DeleteAccountTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Paper Both Summarized")
        self.summary = make_summary(self.paper, self.alice, "alice-summary-marker")
        self.bobs = make_summary(self.paper, self.bob, "bob's summary")
        self.comment = make_comment(self.bobs, self.alice, "alice-comment-marker")
        self.reply = make_comment(self.bobs, self.bob, "bob's reply", parent=self.comment)
        make_vote(self.alice, 1, summary=self.bobs)
        EmailAddress.objects.create(user=self.alice, email="alice@example.org", primary=True)
        AuthorClaim.objects.create(user=self.alice, paper=self.paper)
        self.alice.orcid = "0000-0002-1825-0097"
        self.alice.save()

    def _delete(self, content: str, confirm: str = "password", **extra):
        return self.client.post(
            "/settings/delete", {"content": content, "confirm": confirm}, **extra
        )

    def test_the_page_says_what_will_happen_before_anything_does(self):
        self.client.force_login(self.alice)
        r = self.client.get("/settings/delete")
        self.assertContains(r, "cannot be undone")
        self.assertContains(r, "Your 1 summary and 1 comment are either")
        self.assertContains(r, "Keep my summaries and comments, without my name")
        self.assertContains(r, "Delete my summaries and comments")
        self.assertTrue(User.objects.get(pk=self.alice.pk).is_active)

    def test_keeping_the_content_makes_it_anonymous_and_scrubs_the_account(self):
        self.client.force_login(self.alice)
        r = self._delete("keep")
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        alice = User.objects.get(pk=self.alice.pk)
        self.assertEqual(alice.username, f"deleted-{alice.pk}")
        self.assertEqual(
            (alice.email, alice.display_name, alice.bio, alice.orcid), ("", "[deleted]", "", "")
        )
        self.assertFalse(alice.is_active)
        self.assertFalse(alice.has_usable_password())
        self.assertFalse(EmailAddress.objects.filter(user=alice).exists())
        self.assertFalse(AuthorClaim.objects.filter(user=alice).exists())
        summary = Summary.objects.get(pk=self.summary.pk)
        self.assertTrue(summary.is_anonymous)
        self.assertEqual(summary.byline(), "Anonymous")
        self.assertFalse(Revision.objects.filter(summary=summary, is_anonymous=False).exists())
        comment = Comment.objects.get(pk=self.comment.pk)
        self.assertEqual(comment.body, "alice-comment-marker")
        self.assertEqual(str(comment.user), "[deleted]")
        self.assertTrue(Vote.objects.filter(user=alice).exists())
        page = self.client.get(self.paper.get_absolute_url()).content.decode()
        self.assertIn("alice-summary-marker", page)
        self.assertNotIn("Alice Aumann", page)
        self.assertEqual(self.client.get("/u/alice").status_code, 404)

    def test_private_summaries_are_deleted_even_when_keeping_the_content(self):
        private = make_summary(make_paper(), self.alice, "private notes", visibility="private")
        update_summary(private, share_token="t" * 43)
        self.client.force_login(self.alice)
        self._delete("keep")
        self.assertFalse(Summary.objects.filter(pk=private.pk).exists())
        self.assertTrue(Summary.objects.filter(pk=self.summary.pk).exists())

    def test_deleting_the_content_removes_summaries_and_blanks_comments(self):
        self.client.force_login(self.alice)
        self._delete("delete")
        self.assertFalse(Summary.objects.filter(pk=self.summary.pk).exists())
        comment = Comment.objects.get(pk=self.comment.pk)
        self.assertTrue(comment.is_deleted)
        self.assertEqual((comment.body, comment.body_html), ("", ""))
        self.assertFalse(CommentRevision.objects.filter(comment=comment).exists())
        # bob's summary counts only the reply that is still there.
        self.assertEqual(Summary.objects.get(pk=self.bobs.pk).comment_count, 1)
        # Others' work stays: bob's summary and his reply to the deleted comment.
        self.assertTrue(Summary.objects.filter(pk=self.bobs.pk).exists())
        self.assertTrue(Comment.objects.filter(pk=self.reply.pk, is_deleted=False).exists())
        self.assertFalse(User.objects.get(pk=self.alice.pk).is_active)

    def test_a_wrong_password_changes_nothing(self):
        self.client.force_login(self.alice)
        r = self._delete("delete", confirm="alice")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "That is not your password.")
        self.assertTrue(User.objects.get(pk=self.alice.pk).is_active)
        self.assertTrue(Summary.objects.filter(pk=self.summary.pk).exists())
        self.assertIn("_auth_user_id", self.client.session)

    def test_a_missing_choice_changes_nothing(self):
        self.client.force_login(self.alice)
        r = self._delete("")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(User.objects.get(pk=self.alice.pk).is_active)

    def test_a_member_without_a_password_confirms_with_the_username(self):
        self.alice.set_unusable_password()
        self.alice.save()
        self.client.force_login(self.alice)
        r = self._delete("keep", confirm="bob")
        self.assertContains(r, "Type your username exactly")
        self._delete("keep", confirm="alice")
        self.assertFalse(User.objects.get(pk=self.alice.pk).is_active)

    def test_another_member_deletes_only_their_own_account(self):
        self.client.force_login(self.charlie)
        self._delete("delete")
        self.assertFalse(User.objects.get(pk=self.charlie.pk).is_active)
        self.assertTrue(User.objects.get(pk=self.alice.pk).is_active)
        self.assertTrue(Summary.objects.filter(pk=self.summary.pk).exists())

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self._delete("delete")
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertEqual(User.objects.filter(is_active=False).count(), 0)

    def test_two_closed_accounts_can_keep_summaries_of_the_same_paper(self):
        for user in (self.alice, self.bob):
            self.client.force_login(user)
            self._delete("keep")
        self.assertEqual(Summary.objects.filter(paper=self.paper, is_anonymous=True).count(), 2)

    def test_closing_an_account_removes_its_api_tokens(self):
        from shortscience.accounts.models import ApiToken
        from shortscience.accounts.services import create_api_token

        create_api_token(self.alice, name="script", scope="write")
        self.client.force_login(self.alice)
        self._delete("keep")
        self.assertFalse(ApiToken.objects.filter(user=self.alice).exists())
