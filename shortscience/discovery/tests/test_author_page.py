from __future__ import annotations

from shortscience.papers.models import Author
from shortscience.test import BaseTestCase, make_paper, make_summary, make_user, update_summary


class AuthorPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.paper = make_paper("Attention Is All You Need", authors=["Ashish Vaswani"])
        self.unsummarised = make_paper("Another Paper", authors=["Noam Shazeer", "Ashish Vaswani"])
        make_paper("Not Theirs", authors=["Kaiming He"])
        self.author = Author.objects.get(name="Ashish Vaswani")
        self.url = f"/author/{self.author.pk}/ashish-vaswani"

    def test_it_lists_every_paper_of_the_author(self):
        s = make_summary(self.paper, self.alice, "On attention.")
        for viewer in (None, self.alice, self.charlie):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.url)
            self.assertEqual(r.status_code, 200)
            self.assertContains(r, "<h1>Papers by Ashish Vaswani</h1>")
            self.assertContains(r, "Attention Is All You Need")
            self.assertContains(r, "Another Paper")
            self.assertNotContains(r, "Not Theirs")
            self.assertContains(r, f'href="/summary/{s.pk}"')
            self.assertContains(r, f'href="/paper/{self.unsummarised.pk}/summary/edit"')

    def test_paper_lists_link_to_author_pages(self):
        make_summary(self.paper, self.alice)
        r = self.client.get("/venues/conf/nips")
        self.assertContains(r, f'<a href="{self.url}">Ashish Vaswani</a>')

    def test_a_wrong_or_missing_slug_redirects_for_good(self):
        for url in (f"/author/{self.author.pk}", f"/author/{self.author.pk}/wrong"):
            self.assertRedirects(self.client.get(url), self.url, status_code=301)

    def test_an_unknown_author_is_a_404(self):
        self.assertEqual(self.client.get("/author/999999/someone").status_code, 404)

    def test_private_hidden_and_anonymous_authors_never_show(self):
        make_summary(self.paper, self.alice, "Private notes.", visibility="private")
        hidden = make_summary(self.unsummarised, self.bob, "Hidden text.")
        update_summary(hidden, is_hidden=True)
        make_summary(self.paper, self.charlie, "Secret author.", is_anonymous=True)
        for viewer in (None, self.alice, self.bob):
            if viewer:
                self.client.force_login(viewer)
            r = self.client.get(self.url)
            self.assertNotContains(r, "Private notes")
            self.assertNotContains(r, "Hidden text")
            self.assertContains(r, "Secret author.")
            self.assertNotContains(r, "charlie")

    def test_it_runs_the_same_number_of_queries_for_one_or_many_papers(self):
        make_summary(self.paper, self.alice)
        with self.assertNumQueries(5):  # author, count, papers, authors, best summaries
            self.client.get(self.url)
        for i in range(5):
            paper = make_paper(f"Paper {i}", authors=["Ashish Vaswani", f"Coauthor {i}"])
            make_summary(paper, make_user(f"writer{i}"))
        with self.assertNumQueries(5):
            r = self.client.get(self.url)
        self.assertEqual(len(r.context["page"]), 7)

    def test_an_author_without_summarised_papers_is_not_indexed(self):
        self.assertContains(self.client.get(self.url), '<meta name="robots" content="noindex">')
        make_summary(self.paper, self.alice, visibility="private")
        self.assertContains(self.client.get(self.url), '<meta name="robots" content="noindex">')
        make_summary(self.paper, self.bob)
        self.assertNotContains(self.client.get(self.url), "noindex")
