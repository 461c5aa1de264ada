"""Private text and anonymous authorship never appear on any surface that exists for others."""

from __future__ import annotations

import gzip
import io
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management import call_command
from django.utils import timezone

from shortscience.api import dumps
from shortscience.community.models import Vote
from shortscience.community.services import cast_vote
from shortscience.groups import services as groups
from shortscience.groups.models import Post
from shortscience.lists.services import add_paper, create_list, update_item
from shortscience.notifications.services import request_summary
from shortscience.summaries.models import Summary
from shortscience.test import (
    BaseTestCase,
    make_comment,
    make_paper,
    make_summary,
    update_summary,
)

# A CSRF token is random letters: "bob" turns up in one now and then.
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _visible_text(html: str) -> str:
    return _TOKEN.sub("", html)


PRIVATE_TEXT = "zebra-private-marker"
ANONYMOUS_TEXT = "okapi-anonymous-marker"
HIDDEN_TEXT = "quagga-hidden-marker"


class PrivacyWalkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Privacy Walk Paper")
        self.private = make_summary(
            self.paper, self.alice, f"{PRIVATE_TEXT} notes.", visibility="private"
        )
        self.anonymous = make_summary(
            self.paper, self.bob, f"{ANONYMOUS_TEXT} text.", is_anonymous=True
        )
        # alice shared her private summary once, then revoked the link.
        self.revoked_token = secrets.token_urlsafe(32)
        # A moderator hid alice's summary of another paper.
        self.other_paper = make_paper("Second Walk Paper")
        self.hidden = make_summary(self.other_paper, self.alice, f"{HIDDEN_TEXT} text.")
        update_summary(self.hidden, is_hidden=True)
        # bob would read a summary of a third paper: pages count requests, never name them.
        self.wanted_paper = make_paper("Wanted Walk Paper")
        request_summary(self.bob, self.wanted_paper)
        # alice's private reading list, its title and note holding the private marker.
        self.private_list = create_list(
            self.alice, title=f"{PRIVATE_TEXT} list", visibility="private"
        )
        listed, _ = add_paper(self.private_list, self.paper)
        update_item(listed, note=f"{PRIVATE_TEXT} note")
        # alice's members-only reading group, its description, a meeting's notes and a post
        # holding the private marker (its name is in its address, which a visitor may type);
        # and her public group, where a moderator hid a post.
        self.secret_group = groups.create_group(
            self.alice,
            name="Secret walk group",
            description=f"{PRIVATE_TEXT} description",
            visibility="members",
        )
        start = timezone.now() + timedelta(days=3)
        self.secret_meeting = groups.schedule_meeting(
            self.secret_group,
            self.alice,
            paper=self.paper,
            starts_at=start,
            minutes=60,
            time_zone="UTC",
            presenter=self.alice,
            location=f"{PRIVATE_TEXT} room",
            notes=f"{PRIVATE_TEXT} notes",
        )
        groups.post(self.secret_meeting, self.alice, f"{PRIVATE_TEXT} post")
        self.open_group = groups.create_group(self.alice, name="Open walk group")
        self.open_meeting = groups.schedule_meeting(
            self.open_group,
            self.alice,
            paper=self.paper,
            starts_at=start,
            minutes=60,
            time_zone="UTC",
            presenter=None,
            location="",
            notes="",
        )
        hidden_post = groups.post(self.open_meeting, self.alice, f"{HIDDEN_TEXT} post")
        Post.objects.filter(pk=hidden_post.pk).update(is_hidden=True)

    def surfaces(self):
        yield "/"
        yield self.paper.get_absolute_url()
        yield self.anonymous.get_absolute_url()
        yield f"/summary/{self.anonymous.pk}/history"
        yield self.private.get_absolute_url()
        yield f"/summary/{self.private.pk}/source"
        yield f"/summary/{self.private.pk}/history"
        # profiles (the directory lists every member by name, so it has its own test)
        yield "/u/alice"
        yield "/user?name=alice"
        yield "/u/charlie"
        # a private summary's share link, wrong and revoked
        yield f"/summary/{self.private.pk}?share=not-the-token"
        yield f"/summary/{self.private.pk}?share={self.revoked_token}"
        yield f"/summary/{self.anonymous.pk}?share={self.revoked_token}"
        yield self.hidden.get_absolute_url()
        yield self.other_paper.get_absolute_url()
        # home tabs, browsing, search, feeds, sitemaps, exports, the moderation log
        for tab in ("recent", "popular", "best", "top"):
            yield f"/?tab={tab}"
        yield "/venues"
        yield "/venue?key=conf/nips&year=2017"
        yield "/keyword/cs.LG"
        yield "/year/2017"
        yield f"/author/{self.paper.authors.first().pk}"
        for q in ("zebra", "okapi", "quagga", "privacy walk"):
            yield f"/search?q={q}"
        yield "/feed.atom"
        yield "/rss.xml"
        yield f"/feeds/paper/{self.paper.pk}"
        yield f"/feeds/paper/{self.other_paper.pk}"
        yield "/feeds/venue/conf/nips"
        yield "/feeds/keyword/cs.LG"
        yield "/feeds/user/alice"
        yield "/sitemap.xml"
        for section in ("papers", "venues", "users"):
            yield f"/sitemap-{section}.xml"
        yield f"/paper/{self.paper.pk}/bibtex"
        yield "/venue/bibtex?key=conf/nips&year=2017"
        yield "/moderation/log"
        # summary requests and the badge
        yield "/wanted"
        yield self.wanted_paper.get_absolute_url()
        for paper in (self.paper, self.wanted_paper):
            yield f"/badge/{paper.pk}.svg"
        yield f"/api/v1/papers/{self.wanted_paper.pk}"
        # reading lists: the directory, a search of it, the private list's own pages
        yield "/lists"
        yield "/lists?q=zebra"
        base = self.private_list.get_absolute_url()
        for suffix in ("", "/bibtex", "/ris", "/csl.json", "/feed.atom"):
            yield base + suffix
        # reading groups: the directory, a search of it, every page of both groups
        yield "/groups"
        yield "/groups?q=zebra"
        for group, meeting in (
            (self.secret_group, self.secret_meeting),
            (self.open_group, self.open_meeting),
        ):
            base = group.get_absolute_url()
            for suffix in ("", "/calendar.ics", "/feed.atom", "/join/wrong-key", "/calendar/x.ics"):
                yield base + suffix
            yield meeting.get_absolute_url()
        # the API
        for paper in (self.paper, self.other_paper):
            yield f"/api/v1/papers/{paper.pk}"
            yield f"/api/v1/papers/{paper.pk}/summaries"
        yield f"/api/v1/papers/lookup?ids={self.paper.pk},{self.other_paper.pk}"
        for summary in (self.private, self.anonymous, self.hidden):
            yield f"/api/v1/summaries/{summary.pk}"
        yield "/api/v1/users/alice"
        yield "/api/v1/users/charlie"
        for q in ("zebra", "okapi", "quagga", "privacy walk"):
            yield f"/api/v1/search?q={q}"
        # the mirrors' feed, from the start and from a time
        yield "/api/v1/summaries"
        yield "/api/v1/summaries?updated_since=2000-01-01T00:00:00Z"

    def test_no_surface_shows_private_text_or_an_anonymous_author_to_a_token(self):
        """The API read with another member's token sees what that member may see."""
        from shortscience.accounts.services import create_api_token

        _, secret = create_api_token(self.charlie, name="reader", scope="write")
        for url in self.surfaces():
            if not url.startswith("/api/"):
                continue
            with self.subTest(url=url):
                response = self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
                self.assertLess(response.status_code, 500)
                text = response.content.decode()
                self.assertNotIn(PRIVATE_TEXT, text)
                self.assertNotIn(HIDDEN_TEXT, text)
                self.assertNotIn("bob", text.lower().replace("bob's", ""))

    def test_no_surface_shows_private_text_or_an_anonymous_author_to_others(self):
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            for url in self.surfaces():
                with self.subTest(url=url, viewer=viewer):
                    response = self.client.get(url, follow=True)
                    self.assertLess(response.status_code, 500)
                    html = response.content.decode()
                    self.assertNotIn(PRIVATE_TEXT, html)
                    self.assertNotIn(HIDDEN_TEXT, html)
                    self.assertNotIn("Bob Berners", html)
                    self.assertNotIn("bob", _visible_text(html).lower().replace("bob's", ""))

    # -- the open data dump (api/dumps.py): every file of the latest release, as a mirror
    # fetches it. The users file names every member, as the directory does, so it is held
    # to what the directory's test asks: nothing in it leads to the anonymous summary.
    def test_the_open_data_dump_shows_no_private_text_nor_an_anonymous_author(self):
        make_comment(self.anonymous, self.bob, "The summary's author answers.")
        with tempfile.TemporaryDirectory() as tmp, self.settings(DUMPS_DIR=tmp):
            dumps.export(Path(tmp), out=io.StringIO())
            files = self.client.get("/api/v1/dumps/latest").json()["files"]
            self.assertEqual({f["kind"] for f in files}, set(dumps.KINDS))
            for f in files:
                with self.subTest(file=f["name"]):
                    response = self.client.get(urlsplit(f["url"]).path)
                    text = gzip.decompress(b"".join(response.streaming_content)).decode()
                    self.assertNotIn(PRIVATE_TEXT, text)
                    self.assertNotIn(HIDDEN_TEXT, text)
                    if f["kind"] == "users":
                        self.assertNotIn(ANONYMOUS_TEXT, text)
                        self.assertNotIn(f"/summary/{self.anonymous.pk}", text)
                    else:
                        self.assertNotIn("Bob Berners", text)
                        self.assertNotIn("bob", text.lower())

    def test_pages_about_the_anonymous_author_by_name_do_not_lead_to_the_anonymous_summary(self):
        for url in ("/feeds/user/bob", "/search?q=author:bob", "/search?q=Berners", "/u/bob"):
            with self.subTest(url=url):
                html = self.client.get(url, follow=True).content.decode()
                self.assertNotIn(ANONYMOUS_TEXT, html)
                self.assertNotIn(f"/summary/{self.anonymous.pk}", html)

    def test_the_anonymous_summary_is_readable_but_unsigned(self):
        html = self.client.get(self.paper.get_absolute_url()).content.decode()
        self.assertIn(ANONYMOUS_TEXT, html)
        self.assertIn("Anonymous", html)

    def test_the_legacy_author_parameter_does_not_confirm_an_anonymous_author(self):
        r = self.client.get(
            "/paper", {"bibtexKey": self.paper.identifiers.first().value, "a": "bob"}
        )
        self.assertRedirects(r, self.paper.get_absolute_url(), status_code=301)

    def test_the_anonymous_authors_profile_does_not_list_the_anonymous_summary(self):
        for viewer in (None, self.charlie, self.alice):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            for url in ("/u/bob", "/user?name=bob"):
                with self.subTest(url=url, viewer=viewer):
                    html = self.client.get(url, follow=True).content.decode()
                    self.assertNotIn(ANONYMOUS_TEXT, html)
                    self.assertNotIn(self.anonymous.get_absolute_url(), html)
                    self.assertNotIn("Privacy Walk Paper", html)

    def test_votes_on_the_anonymous_summary_and_its_authors_comments_move_no_reputation(self):
        # bob answers in his anonymous summary's thread; charlie votes both up, and the
        # votes come of age. Were bob's reputation to move, /users and /u/bob would name him.
        reply = make_comment(self.anonymous, self.bob, "The author answers.")
        cast_vote(self.charlie, summary=self.anonymous, value=1)
        cast_vote(self.charlie, comment=reply, value=1)
        before = self.client.get("/users").context["page"]
        Vote.objects.update(created=timezone.now() - timedelta(days=30))
        call_command("update_reputation", stdout=io.StringIO(), stderr=io.StringIO())
        after = self.client.get("/users").context["page"]
        reputations = {m.username: m.reputation for m in after}
        self.assertEqual(reputations, {m.username: m.reputation for m in before})
        self.assertEqual(reputations["bob"], 0)
        self.assertEqual(self.client.get("/api/v1/users/bob").json()["reputation"], 0)

    def test_the_directory_does_not_count_anonymous_or_private_summaries(self):
        r = self.client.get("/users")
        self.assertNotIn(ANONYMOUS_TEXT, r.content.decode())
        self.assertNotIn(PRIVATE_TEXT, r.content.decode())
        counts = {m.username: m.summary_count for m in r.context["page"]}
        self.assertEqual(counts, {"alice": 0, "bob": 0, "charlie": 0})

    def test_a_revoked_share_link_shows_nothing(self):
        self.client.force_login(self.alice)
        self.client.post(f"/summary/{self.private.pk}/share")
        token = Summary.objects.get(pk=self.private.pk).share_token
        self.client.post(f"/summary/{self.private.pk}/unshare")
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            with self.subTest(viewer=viewer):
                r = self.client.get(self.private.get_absolute_url(), {"share": token})
                self.assertEqual(r.status_code, 404)
                self.assertNotIn(PRIVATE_TEXT, r.content.decode())

    def test_a_shared_anonymous_summary_shows_its_text_but_not_its_author(self):
        secret = make_summary(
            make_paper("Another Paper"),
            self.bob,
            f"{PRIVATE_TEXT} shared",
            visibility="private",
            is_anonymous=True,
        )
        self.client.force_login(self.bob)
        url = self.client.post(
            f"/summary/{secret.pk}/share", HTTP_ACCEPT="application/json"
        ).json()["url"]
        for viewer in (None, self.charlie):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            with self.subTest(viewer=viewer):
                r = self.client.get(url)
                html = r.content.decode()
                self.assertIn(PRIVATE_TEXT, html)
                self.assertIn("Anonymous", html)
                self.assertNotIn("Bob Berners", html)
                self.assertNotIn("bob", _visible_text(html).lower().replace("bob's", ""))
                self.assertIn('<meta name="robots" content="noindex">', html)
                self.assertEqual(r["Referrer-Policy"], "no-referrer")
                # Nor does the share link make the summary public anywhere else.
                for other in ("/", "/u/bob", "/users", self.paper.get_absolute_url()):
                    self.assertNotIn(PRIVATE_TEXT, self.client.get(other).content.decode())
