"""The cast and helpers the test suite shares.

alice writes summaries, bob is another member, charlie a third; visitors without an
account are the fourth party every view test checks.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from django.contrib.auth import get_user_model
from django.test import TestCase

from shortscience.papers.models import Paper
from shortscience.papers.services import PaperRecord, upsert_paper
from shortscience.summaries.services import save_summary

_numbers = count(1)


def make_paper(title: str = "", **kwargs) -> Paper:
    n = next(_numbers)
    fields = {
        "title": title or f"A Study of Things, Part {n}",
        "authors": ["Ada Lovelace", "Charles Babbage"],
        "abstract": "We study things with $x^2$.",
        "year": 2017,
        "published": date(2017, 6, 12),
        "venue_key": "conf/nips",
        "venue_name": "NeurIPS",
        "venue_kind": "conference",
        "keywords": ["cs.LG"],
        "source": Paper.Source.ARXIV,
        "identifiers": {"arxiv": f"1706.{n:05d}v2"},
    }
    fields.update(kwargs)
    paper, _ = upsert_paper(PaperRecord(**fields))
    return paper


def make_user(username: str, **kwargs):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="password", **kwargs
    )


def make_summary(paper: Paper, user, body: str = "A summary with $E=mc^2$.", **kwargs):
    return save_summary(
        paper=paper,
        user=user,
        body=body,
        visibility=kwargs.pop("visibility", "public"),
        is_anonymous=kwargs.pop("is_anonymous", False),
    )


class BaseTestCase(TestCase):
    def setUp(self):
        super().setUp()
        self.alice = make_user("alice", display_name="Alice Aumann")
        self.bob = make_user("bob", display_name="Bob Berners")
        self.charlie = make_user("charlie")
