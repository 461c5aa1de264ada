from __future__ import annotations

from shortscience.test import BaseTestCase, make_paper, make_summary


class SummaryPermalinkTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper()
        self.public = make_summary(self.paper, self.alice, "Public *text* with $x$.")
        self.private = make_summary(
            self.paper, self.bob, "Bob's **private** notes.", visibility="private"
        )

    def test_anyone_reads_a_public_summary_at_its_permalink(self):
        r = self.client.get(self.public.get_absolute_url())
        self.assertContains(r, "<em>text</em>")
        self.assertContains(r, self.paper.title)

    def test_a_private_summary_is_a_404_for_everyone_but_its_author(self):
        url = self.private.get_absolute_url()
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.bob)
        self.assertContains(self.client.get(url), "<strong>private</strong>")

    def test_view_source_shows_the_raw_markdown_as_plain_text(self):
        r = self.client.get(f"/summary/{self.public.pk}/source")
        self.assertEqual(r["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(r.content.decode(), "Public *text* with $x$.")

    def test_view_source_of_a_private_summary_is_its_authors_only(self):
        url = f"/summary/{self.private.pk}/source"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(url).status_code, 200)


class SummaryHistoryTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper()
        make_summary(self.paper, self.alice, "line one\nline two\n", visibility="private")
        make_summary(self.paper, self.alice, "line one\nline 2\n")
        self.summary = make_summary(self.paper, self.alice, "line one\nline 2\nline three\n")

    def test_the_author_sees_every_revision_and_a_diff_of_the_last_two(self):
        self.client.force_login(self.alice)
        r = self.client.get(f"/summary/{self.summary.pk}/history")
        self.assertContains(r, "#3")
        self.assertContains(r, "#1")
        self.assertContains(r, '<span class="diff-line diff-add">+line three\n</span>')
        # Each line's break is inside its block: one outside too drew a blank line after
        # every line of the diff (measured in Chromium: 154 px for 3 lines, not 89).
        self.assertNotContains(r, "</span>\n<span")

    def test_a_diff_between_any_two_revisions(self):
        self.client.force_login(self.alice)
        r = self.client.get(f"/summary/{self.summary.pk}/history", {"a": 1, "b": 3})
        self.assertContains(r, '<span class="diff-line diff-del">-line two\n</span>')
        self.assertContains(r, '<span class="diff-line diff-add">+line 2\n</span>')

    def test_readers_see_only_revisions_that_were_public(self):
        for viewer in (None, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(f"/summary/{self.summary.pk}/history")
            self.assertContains(r, "#3")
            self.assertNotContains(r, "#1")
            self.assertEqual(
                self.client.get(
                    f"/summary/{self.summary.pk}/history", {"a": 1, "b": 3}
                ).status_code,
                404,
            )

    def test_a_bad_revision_number_is_a_404(self):
        self.client.force_login(self.alice)
        r = self.client.get(f"/summary/{self.summary.pk}/history", {"a": "x", "b": 3})
        self.assertEqual(r.status_code, 404)
