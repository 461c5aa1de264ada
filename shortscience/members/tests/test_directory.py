from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary, make_user


class DirectoryTests(BaseTestCase):
    def test_members_are_sorted_by_reputation_then_name(self):
        self.bob.reputation = 10
        self.bob.save()
        self.charlie.reputation = 10
        self.charlie.save()
        html = self.client.get("/users").content.decode()
        self.assertLess(html.index("Bob Berners"), html.index("charlie"))
        self.assertLess(html.index("charlie"), html.index("Alice Aumann"))

    def test_counts_only_public_signed_visible_summaries(self):
        make_summary(make_paper(), self.alice)
        make_summary(make_paper(), self.alice, visibility="private")
        make_summary(make_paper(), self.alice, is_anonymous=True)
        r = self.client.get("/users")
        alice = next(m for m in r.context["page"] if m.username == "alice")
        self.assertEqual(alice.summary_count, 1)

    def test_closed_accounts_are_not_listed(self):
        self.charlie.is_active = False
        self.charlie.save()
        self.assertNotContains(self.client.get("/users"), "/u/charlie")

    def test_the_directory_is_paginated(self):
        for i in range(50):
            make_user(f"member{i:02d}")
        self.assertContains(self.client.get("/users"), "page 1 of 2")
        self.assertContains(self.client.get("/users", {"page": 2}), "page 2 of 2")

    def test_the_query_count_does_not_grow_with_the_members(self):
        # A count and a page of members with their summary counts.
        def check():
            with self.assertNumQueries(2):
                self.assertEqual(self.client.get("/users").status_code, 200)

        check()
        for i in range(10):
            user = make_user(f"many{i}")
            make_summary(make_paper(), user)
        check()
