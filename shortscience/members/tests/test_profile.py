from __future__ import annotations

from shortscience.test import BaseTestCase, make_comment, make_paper, make_summary, update_summary


class ProfileTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.public = make_summary(make_paper("Public Paper"), self.alice, "public-marker text")
        self.private = make_summary(
            make_paper("Private Paper"), self.alice, "private-marker", visibility="private"
        )
        self.anonymous = make_summary(
            make_paper("Anonymous Paper"), self.alice, "anonymous-marker", is_anonymous=True
        )
        self.hidden = make_summary(make_paper("Hidden Paper"), self.alice, "hidden-marker")
        update_summary(self.hidden, is_hidden=True)
        bobs = make_summary(make_paper("Bob Paper"), self.bob, "bob text")
        make_comment(bobs, self.alice, "visible-comment-marker")
        make_comment(bobs, self.alice, "deleted-comment-marker", is_deleted=True)
        make_comment(bobs, self.alice, "hidden-comment-marker", is_hidden=True)
        make_comment(self.private, self.alice, "comment-on-private-marker")
        self.alice.reputation = 42
        self.alice.save()

    def test_others_see_only_public_signed_summaries_and_visible_comments(self):
        for viewer in (None, self.bob):
            self.client.logout()
            if viewer:
                self.client.force_login(viewer)
            with self.subTest(viewer=viewer):
                r = self.client.get("/u/alice")
                self.assertContains(r, "Alice Aumann")
                self.assertContains(r, "reputation <strong>42</strong>")
                self.assertContains(r, "Public Paper")
                self.assertContains(r, "visible-comment-marker")
                for hidden in (
                    "Private Paper",
                    "Anonymous Paper",
                    "Hidden Paper",
                    "deleted-comment-marker",
                    "hidden-comment-marker",
                    "comment-on-private-marker",
                ):
                    self.assertNotContains(r, hidden)

    def test_a_comment_under_the_members_own_anonymous_summary_is_not_listed_for_others(self):
        make_comment(self.anonymous, self.alice, "own-anonymous-thread-marker")
        self.assertNotContains(self.client.get("/u/alice"), "own-anonymous-thread-marker")
        self.client.force_login(self.alice)
        self.assertContains(self.client.get("/u/alice"), "own-anonymous-thread-marker")

    def test_the_member_sees_all_their_summaries_marked(self):
        self.client.force_login(self.alice)
        r = self.client.get("/u/alice")
        for title in ("Public Paper", "Private Paper", "Anonymous Paper", "Hidden Paper"):
            self.assertContains(r, title)
        self.assertContains(r, '<span class="badge">private</span>')
        self.assertContains(r, '<span class="badge">anonymous</span>')
        self.assertContains(r, "hidden by a moderator")

    def test_an_unknown_or_closed_account_has_no_profile(self):
        self.assertEqual(self.client.get("/u/nobody").status_code, 404)
        self.charlie.is_active = False
        self.charlie.save()
        self.assertEqual(self.client.get("/u/charlie").status_code, 404)

    def test_the_legacy_link_redirects_for_good(self):
        r = self.client.get("/user", {"name": "alice"})
        self.assertRedirects(r, "/u/alice", status_code=301)
        self.assertEqual(self.client.get("/user", {"name": "nobody"}).status_code, 404)
        self.assertEqual(self.client.get("/user").status_code, 404)

    def test_the_summaries_are_paginated(self):
        for i in range(21):
            make_summary(make_paper(f"Extra {i}"), self.bob, "text")
        r = self.client.get("/u/bob")
        self.assertContains(r, "page 1 of 2")
        r = self.client.get("/u/bob", {"page": 2})
        self.assertContains(r, "page 2 of 2")

    def test_the_query_count_does_not_grow_with_the_summaries(self):
        # The member, then a count and a page each of summaries and of comments, then their
        # public reading lists and groups.
        def check():
            with self.assertNumQueries(7):
                self.assertEqual(self.client.get("/u/bob").status_code, 200)

        s = make_summary(make_paper("One"), self.bob, "text")
        make_comment(s, self.bob, "mine")
        check()
        for i in range(8):
            s = make_summary(make_paper(f"Many {i}"), self.bob, "text")
            make_comment(s, self.bob, "mine")
        check()


class ProfileReadingTests(BaseTestCase):
    def test_a_profile_shows_the_members_public_lists_and_groups_only(self):
        from shortscience.groups.services import create_group, join
        from shortscience.lists.services import create_list

        create_list(self.alice, title="Open list of papers", visibility="public")
        create_list(self.alice, title="Unlisted list of papers", visibility="unlisted")
        create_list(self.alice, title="Private list of papers", visibility="private")
        club = create_group(self.bob, name="Open reading club")
        join(club, self.alice)
        secret = create_group(self.bob, name="Secret reading club", visibility="members")
        join(secret, self.alice, key=secret.invite_key)
        page = self.client.get("/u/alice").content.decode()
        self.assertIn("Open list of papers", page)
        self.assertIn("Open reading club", page)
        for hidden in ("Unlisted list", "Private list", "Secret reading club"):
            self.assertNotIn(hidden, page)
