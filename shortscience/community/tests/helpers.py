"""The community tests' cast: alice writes the summary, bob and charlie read, comment and
vote, dora moderates; visitors without an account are the fifth party."""

from __future__ import annotations

from django.contrib.auth.models import Group

from shortscience.accounts.permissions import MODERATORS_GROUP
from shortscience.community import services
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user


def make_moderator(user):
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


class CommunityTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.dora = make_moderator(make_user("dora", display_name="Dora Moderator"))
        self.paper = make_paper("Deep Residual Learning")
        self.summary = make_summary(self.paper, self.alice, "Alice's summary of residuals.")

    def comment(self, user, body="A comment.", parent=None, summary=None):
        return services.post_comment(user, summary or self.summary, body, parent=parent)

    def json_post(self, url, data=None):
        return self.client.post(url, data or {}, HTTP_ACCEPT="application/json")

    def reload(self, obj):
        obj.refresh_from_db()
        return obj
