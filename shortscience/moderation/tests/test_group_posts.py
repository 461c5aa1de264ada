"""Reports and moderation of the posts in reading groups' discussions, as of comments."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shortscience.groups import services as groups
from shortscience.groups.models import Post
from shortscience.moderation import services
from shortscience.moderation.models import ModerationAction, Report
from shortscience.moderation.tests.helpers import ModerationTestCase

SPAM = "Cheap watches at example.com, today only."


class GroupPostTestCase(ModerationTestCase):
    """alice organises a group and posts in a meeting's discussion, charlie is a member of
    it who reports, bob moderates (and belongs to no group)."""

    def setUp(self):
        super().setUp()
        self.group = groups.create_group(self.alice, name="Transformers on Tuesdays")
        self.post = self.post_in(self.group)

    def post_in(self, group, body: str = SPAM) -> Post:
        groups.join(group, self.charlie, key=group.invite_key)
        meeting = groups.schedule_meeting(
            group,
            self.alice,
            paper=self.paper,
            starts_at=timezone.now() + timedelta(days=7),
            minutes=60,
            time_zone="UTC",
            presenter=None,
            location="",
            notes="",
        )
        return groups.post(meeting, self.alice, body)

    def members_only_group(self):
        group = groups.create_group(
            self.alice, name="The Sparse Attention Circle", visibility="members"
        )
        return group, self.post_in(group, "Our unpublished results on sparse heads.")

    def page_of(self, user, post: Post):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(post.meeting.get_absolute_url())


class ReportAndHideTests(GroupPostTestCase):
    def test_a_member_reports_a_post_and_a_moderator_hides_it(self):
        report = services.report(reporter=self.charlie, target=self.post, reason="spam")
        self.assertEqual(
            (report.post, report.target_kind, report.target_id), (self.post, "post", self.post.pk)
        )
        action = services.hide(moderator=self.bob, target=self.post, reason="Advertising.")
        self.post.refresh_from_db()
        self.assertTrue(self.post.is_hidden)
        self.assertEqual(
            (action.moderator, action.action, action.target_kind, action.target_id),
            (self.bob, "hide", "post", self.post.pk),
        )
        # Never the group's name, even a public group's: it may be members-only tomorrow,
        # and the log is public and kept.
        self.assertEqual(action.target_label, "A post in a reading group's discussion")
        report.refresh_from_db()
        self.assertEqual((report.status, report.resolved_by), ("resolved", self.bob))

    def test_a_hidden_post_disappears_for_others_and_stays_for_its_author(self):
        services.hide(moderator=self.bob, target=self.post, reason="Advertising.")
        for other in (None, self.charlie):
            self.assertNotContains(self.page_of(other, self.post), SPAM)
        page = self.page_of(self.alice, self.post)
        self.assertContains(page, SPAM)
        self.assertContains(page, "hidden by a moderator")
        self.assertContains(self.page_of(self.bob, self.post), SPAM)

    def test_a_moderator_restores_a_hidden_post(self):
        services.hide(moderator=self.bob, target=self.post, reason="Advertising.")
        services.restore(moderator=self.bob, target=self.post, reason="It was a real offer.")
        self.post.refresh_from_db()
        self.assertFalse(self.post.is_hidden)
        self.assertContains(self.page_of(self.charlie, self.post), SPAM)
        self.assertEqual(
            list(ModerationAction.objects.values_list("action", flat=True)), ["restore", "hide"]
        )

    def test_in_a_members_only_group_the_log_names_neither_the_group_nor_the_text(self):
        group, secret = self.members_only_group()
        services.report(reporter=self.charlie, target=secret, reason="off-topic")
        action = services.hide(moderator=self.bob, target=secret, reason="Off-topic.")
        self.assertEqual(action.target_label, "A post in a reading group's discussion")
        self.assertFalse(Report.objects.open().exists())
        html = Client().get("/moderation/log").content.decode()
        self.assertIn("A post in a reading group&#x27;s discussion", html)
        self.assertIn("Off-topic.", html)
        for leak in (group.name, group.slug, "unpublished results", "Alice"):
            self.assertNotIn(leak, html)

    def test_each_action_says_the_groups_pages_and_the_log_changed(self):
        for act in (services.hide, services.restore, services.delete):
            with mock.patch("shortscience.web.changes._collect") as said:
                act(moderator=self.bob, target=self.post, reason="Checking.")
            tags = set().union(*(call.args[0] for call in said.call_args_list))
            self.assertEqual(tags, {f"group:{self.group.pk}", "list:moderation"})

    def test_nobody_reports_their_own_post_and_a_member_reports_it_once(self):
        with self.assertRaises(ValidationError):
            services.report(reporter=self.alice, target=self.post, reason="spam")
        services.report(reporter=self.charlie, target=self.post, reason="spam")
        with self.assertRaises(ValidationError):
            services.report(reporter=self.charlie, target=self.post, reason="abusive")
        self.assertEqual(Report.objects.count(), 1)

    def test_only_moderators_hide_a_post(self):
        with self.assertRaises(PermissionDenied):
            services.hide(moderator=self.charlie, target=self.post, reason="I dislike it.")
        self.post.refresh_from_db()
        self.assertFalse(self.post.is_hidden)


class DeleteTests(GroupPostTestCase):
    def test_a_moderator_deletes_a_post_and_its_text_goes(self):
        services.report(reporter=self.charlie, target=self.post, reason="spam")
        action = services.delete(moderator=self.bob, target=self.post, reason="Spam.")
        self.post.refresh_from_db()
        self.assertEqual(
            (self.post.is_deleted, self.post.body, self.post.body_html), (True, "", "")
        )
        self.assertEqual((action.action, action.target_kind), ("delete", "post"))
        self.assertEqual(Report.objects.get().status, "resolved")
        for user in (None, self.charlie, self.alice, self.bob):
            page = self.page_of(user, self.post)
            self.assertNotContains(page, SPAM)
            self.assertContains(page, "[deleted]")

    def test_a_deleted_post_cannot_be_reported(self):
        services.delete(moderator=self.bob, target=self.post, reason="Spam.")
        self.client.force_login(self.charlie)
        url = f"/moderation/report/post/{self.post.pk}"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"reason": "spam"}).status_code, 404)
        self.assertFalse(Report.objects.exists())


class ReportFormTests(GroupPostTestCase):
    def setUp(self):
        super().setUp()
        self.url = f"/moderation/report/post/{self.post.pk}"

    def test_a_member_reports_a_post_through_the_form_with_its_csrf_token(self):
        charlie = Client(enforce_csrf_checks=True)
        charlie.force_login(self.charlie)
        self.assertEqual(charlie.post(self.url, {"reason": "spam"}).status_code, 403)
        page = charlie.get(self.url)
        self.assertContains(page, "A post in a reading group&#x27;s discussion")
        self.assertContains(page, 'value="spam"')
        token = page.cookies["csrftoken"].value
        r = charlie.post(
            self.url, {"reason": "spam", "note": "An advert.", "csrfmiddlewaretoken": token}
        )
        self.assertRedirects(r, self.post.get_absolute_url(), fetch_redirect_response=False)
        report = Report.objects.get()
        self.assertEqual(
            (report.reporter, report.post, report.reason, report.note),
            (self.charlie, self.post, "spam", "An advert."),
        )

    def test_a_member_reports_with_json(self):
        self.client.force_login(self.charlie)
        r = self.json_post(self.url, {"reason": "abusive"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json()["report"], Report.objects.get().pk)

    def test_its_author_is_told_it_is_their_own(self):
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(self.url), "This is your own post")
        self.assertEqual(self.json_post(self.url, {"reason": "spam"}).status_code, 400)
        self.assertFalse(Report.objects.exists())

    def test_an_anonymous_visitor_is_sent_to_log_in(self):
        r = self.client.post(self.url, {"reason": "spam"})
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Report.objects.exists())

    def test_a_visitor_who_cannot_see_a_members_only_group_gets_a_404(self):
        _, secret = self.members_only_group()
        url = f"/moderation/report/post/{secret.pk}"
        outsider = Client()
        outsider.force_login(self.bob)  # a moderator, but no member of the group
        self.assertEqual(outsider.get(url).status_code, 404)
        self.assertEqual(outsider.post(url, {"reason": "spam"}).status_code, 404)
        self.assertFalse(Report.objects.exists())
        # Its member reports it.
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.post(url, {"reason": "spam"}).status_code, 302)
        self.assertEqual(Report.objects.get().post, secret)


class QueueTests(GroupPostTestCase):
    def test_the_queue_shows_a_reported_post_with_its_text_a_link_and_the_actions(self):
        services.report(reporter=self.charlie, target=self.post, reason="spam", note="An advert")
        self.client.force_login(self.bob)
        r = self.client.get("/moderation/queue")
        self.assertContains(r, f'id="queue-post-{self.post.pk}"', count=1)
        self.assertContains(r, SPAM)
        self.assertContains(r, f'href="{self.post.get_absolute_url()}"')
        self.assertContains(r, f'action="/moderation/act/post/{self.post.pk}"')
        for action in ("hide", "delete", "dismiss"):
            self.assertContains(r, f'value="{action}"')

    def test_the_queue_reads_as_many_queries_for_many_reported_posts_as_for_one(self):
        self.client.force_login(self.bob)
        services.report(reporter=self.charlie, target=self.post, reason="spam")
        with CaptureQueriesContext(connection) as one:
            self.client.get("/moderation/queue")
        for _ in range(3):
            services.report(
                reporter=self.charlie, target=self.members_only_group()[1], reason="spam"
            )
        with self.assertNumQueries(len(one.captured_queries)):
            r = self.client.get("/moderation/queue")
        self.assertEqual(len(r.context["groups"]), 4)

    def test_a_moderator_hides_a_post_from_the_queue_with_a_plain_post_and_with_json(self):
        services.report(reporter=self.charlie, target=self.post, reason="spam")
        url = f"/moderation/act/post/{self.post.pk}"
        self.client.force_login(self.bob)
        r = self.client.post(url, {"action": "hide", "reason": "Advertising."})
        self.assertRedirects(r, "/moderation/queue", fetch_redirect_response=False)
        self.post.refresh_from_db()
        self.assertTrue(self.post.is_hidden)
        self.assertFalse(Report.objects.open().exists())
        r = self.json_post(url, {"action": "restore", "reason": "On second thought."})
        self.assertEqual(r.json()["action"], "restore")
        self.post.refresh_from_db()
        self.assertFalse(self.post.is_hidden)

    def test_other_members_cannot_act_on_a_post(self):
        url = f"/moderation/act/post/{self.post.pk}"
        for user in (self.alice, self.charlie):
            self.client.force_login(user)
            r = self.client.post(url, {"action": "delete", "reason": "Mine to remove."})
            self.assertEqual(r.status_code, 404)
        self.post.refresh_from_db()
        self.assertFalse(self.post.is_deleted)
        self.assertFalse(ModerationAction.objects.exists())
