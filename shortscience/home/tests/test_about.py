"""The welcome: /about, the home page's word to visitors, and a new site's empty home page,
which tells its administrator what to run."""

from __future__ import annotations

from unittest import mock

from django.conf import settings

from shortscience.test import BaseTestCase, make_paper, make_summary
from shortscience.web import changes
from shortscience.web.changes import versions
from shortscience.web.tests.helpers import PageCacheTestCase


class AboutPageTests(BaseTestCase):
    def test_anyone_reads_what_the_site_is_and_how_to_take_part(self):
        for viewer in (None, self.alice):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/about")
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "<h1>About ShortScience</h1>")
            self.assertContains(r, "Writing your first summary")
            self.assertContains(r, 'href="https://creativecommons.org/licenses/by/4.0/"')
            self.assertContains(r, "CC BY 4.0")
            self.assertContains(r, 'href="/moderation/log"')
            self.assertContains(r, "<strong>private</strong>")
            self.assertContains(r, "<strong>anonymous</strong>")

    def test_the_home_page_welcomes_a_visitor_and_links_it(self):
        make_summary(make_paper(), self.alice)
        r = self.client.get("/")
        self.assertContains(r, 'class="welcome"')
        self.assertContains(
            r, '<a href="/about">what the site is and how to write your first summary</a>'
        )
        self.client.force_login(self.alice)
        self.assertNotContains(self.client.get("/"), 'class="welcome"')


class EmptyHomePageTests(BaseTestCase):
    def test_an_empty_library_tells_the_administrator_what_to_run(self):
        for viewer in (None, self.alice):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get("/")
            self.assertContains(r, "The library is empty")
            for command in ("createsuperuser", "import_papers", "load_demo"):
                self.assertContains(r, f"manage.py {command}")
            self.assertContains(r, "No summaries yet.")

    def test_a_library_with_papers_says_nothing_of_it(self):
        make_paper()
        r = self.client.get("/")
        self.assertNotContains(r, "The library is empty")
        self.assertNotContains(r, "manage.py")
        self.assertContains(r, "No summaries yet.")


class WelcomeCacheTests(PageCacheTestCase):
    def on_another_server(self, write, *args, **kwargs):
        """A write this process learns of only from its next read of the log."""
        with mock.patch.object(versions, "saw"), mock.patch.object(versions, "sync"):
            return self.write(write, *args, **kwargs)

    def a_second_later(self) -> None:
        self.clock += settings.PAGE_CACHE_VERSION_SECONDS + 0.01

    def test_the_about_page_stays_cached_through_changes_to_the_library(self):
        self.assertEqual(self.client.get("/about")["X-Cache"], "miss")
        self.on_another_server(make_summary, self.write(make_paper), self.alice)
        self.a_second_later()
        self.assertEqual(self.client.get("/about")["X-Cache"], "hit")
        self.on_another_server(changes.everything)
        self.a_second_later()
        self.assertEqual(self.client.get("/about")["X-Cache"], "miss")

    def test_the_empty_home_page_is_gone_within_a_second_of_the_first_import(self):
        self.assertContains(self.client.get("/"), "The library is empty")
        self.assertEqual(self.client.get("/")["X-Cache"], "hit")
        self.on_another_server(make_paper, "The First Paper")
        self.a_second_later()
        r = self.client.get("/")
        self.assertEqual(r["X-Cache"], "miss")
        self.assertNotContains(r, "The library is empty")
        self.assertContains(r, 'class="welcome"')
