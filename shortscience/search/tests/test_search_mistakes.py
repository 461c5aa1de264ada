"""A malformed query says what was wrong on the search page instead of silently finding
nothing: an unclosed quote, a query with nothing to search for."""

from __future__ import annotations

from django.urls import reverse

from shortscience.test import BaseTestCase, make_paper

URL = reverse("search:search")


class SearchMistakeTests(BaseTestCase):
    def test_an_unclosed_quote_is_said_and_the_phrase_still_searched(self):
        make_paper("Graph Neural Networks")
        r = self.client.get(URL, {"q": '"graph neural'})
        self.assertContains(r, '<p class="error search-error">A quote mark (&quot;) is not closed')
        self.assertEqual(
            [hit.paper.title for hit in r.context["results"].hits], ["Graph Neural Networks"]
        )

    def test_a_query_of_punctuation_says_there_is_nothing_to_search_for(self):
        r = self.client.get(URL, {"q": "*"})
        self.assertContains(r, '<p class="error search-error">Nothing to search for')

    def test_an_empty_box_says_nothing_wrong(self):
        self.assertNotContains(self.client.get(URL), "search-error")
