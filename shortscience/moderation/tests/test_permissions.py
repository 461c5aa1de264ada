from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortscience.accounts.permissions import is_moderator
from shortscience.moderation.tests.helpers import ModerationTestCase
from shortscience.test import make_user


class IsModeratorTests(ModerationTestCase):
    def test_the_migration_creates_the_moderators_group(self):
        self.assertTrue(Group.objects.filter(name="moderators").exists())

    def test_a_member_of_the_group_is_a_moderator(self):
        self.assertTrue(is_moderator(self.bob))

    def test_other_members_and_visitors_are_not(self):
        self.assertFalse(is_moderator(self.alice))
        self.assertFalse(is_moderator(AnonymousUser()))
        self.assertFalse(is_moderator(None))

    def test_a_superuser_is_a_moderator_without_the_group(self):
        root = make_user("root", is_superuser=True)
        self.assertTrue(is_moderator(root))

    def test_an_inactive_moderator_is_not(self):
        self.bob.is_active = False
        self.assertFalse(is_moderator(self.bob))


class ModeratorLinkTests(ModerationTestCase):
    def test_the_header_link_costs_no_extra_query(self):
        # The session's user is loaded with its moderator status (accounts.auth.get_user).
        self.client.force_login(self.bob)
        with CaptureQueriesContext(connection) as queries:
            r = self.client.get("/moderation/log")
        self.assertContains(r, 'href="/moderation/queue"')
        group_checks = [
            q
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT 1 AS "a" FROM "auth_group"')
        ]
        self.assertEqual(group_checks, [])
