from __future__ import annotations

from django.contrib.auth.models import Group

from shortscience.accounts.permissions import MODERATORS_GROUP
from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary


def make_moderator(user):
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


__all__ = ["ModerationTestCase", "make_comment", "make_moderator"]


class ModerationTestCase(BaseTestCase):
    """alice writes, bob moderates, charlie is a stranger (and reports)."""

    def setUp(self):
        super().setUp()
        make_moderator(self.bob)
        self.paper = make_paper("Attention Is All You Need")
        self.summary = make_summary(self.paper, self.alice, "Alice's *public* summary.")

    def json_post(self, url, data):
        return self.client.post(url, data, HTTP_ACCEPT="application/json")
