from __future__ import annotations

from django.test import SimpleTestCase

from shortscience.search.query import Term, fold, number_forms, parse


class QueryParserTests(SimpleTestCase):
    def test_it_reads_words_phrases_prefixes_and_every_filter(self):
        q = parse(
            'deep "graph neural" transf* author:hinton venue:"neur ips" year:2015-2017 category:cs.LG'
        )
        self.assertEqual(
            q.terms,
            [Term(("deep",)), Term(("graph", "neural")), Term(("transf",), prefix=True)],
        )
        self.assertEqual(q.authors, [Term(("hinton",))])
        self.assertEqual(q.venues, [Term(("neur", "ips"))])
        self.assertEqual(q.categories, [Term(("cs", "LG"))])
        self.assertEqual(q.years, (2015, 2017))
        self.assertEqual(q.errors, [])

    def test_punctuation_separates_words_as_the_tokenizers_do(self):
        q = parse('state-of-the-art "a;b" x<script>')
        self.assertEqual(
            q.terms,
            [Term(("state", "of", "the", "art")), Term(("a", "b")), Term(("x", "script"))],
        )

    def test_engine_syntax_in_the_box_is_only_words(self):
        q = parse('NEAR(a b) OR "c" ^d {title}: e AND')
        words = [w for t in q.terms for w in t.words]
        self.assertEqual(words, ["NEAR", "a", "b", "OR", "c", "d", "title", "e", "AND"])

    def test_an_unknown_field_is_read_as_words(self):
        self.assertEqual(parse("foo:bar").terms, [Term(("foo", "bar"))])

    def test_a_bad_year_is_an_error_and_the_rest_still_parses(self):
        q = parse("graphs year:soon")
        self.assertEqual(q.terms, [Term(("graphs",))])
        self.assertIsNone(q.years)
        self.assertIn("year:", q.errors[0])

    def test_a_year_range_reads_either_way_round_and_is_bounded(self):
        self.assertEqual(parse("year:2017-2015").years, (2015, 2017))
        self.assertEqual(parse("year:2017").years, (2017, 2017))
        self.assertTrue(parse("year:1000-2000").errors)

    def test_an_empty_filter_says_what_it_needs(self):
        q = parse("author:")
        self.assertTrue(q.is_empty)
        self.assertIn("author:hinton", q.errors[0])

    def test_an_unclosed_quote_is_searched_as_a_phrase_and_said(self):
        q = parse('deep "graph neural')
        self.assertEqual(q.terms, [Term(("deep",)), Term(("graph", "neural"))])
        self.assertEqual(len(q.errors), 1)
        self.assertIn("is not closed", q.errors[0])
        self.assertEqual(parse('deep "graph neural"').errors, [])
        self.assertIn("is not closed", parse('author:"hinton').errors[0])

    def test_a_query_without_letters_or_digits_says_there_is_nothing_to_search_for(self):
        for raw in ("*", "-", "?!", '""'):
            with self.subTest(raw=raw):
                q = parse(raw)
                self.assertTrue(q.is_empty)
                self.assertEqual(len(q.errors), 1)
                self.assertIn("Nothing to search for", q.errors[0])
        self.assertEqual(parse("").errors, [])  # an empty box is no mistake

    def test_it_recognizes_an_arxiv_id_a_doi_a_dblp_key_and_a_url(self):
        self.assertEqual(parse("1706.03762v5").identifier.kind, "arxiv")
        self.assertEqual(parse("https://arxiv.org/abs/1706.03762").identifier.kind, "arxiv")
        self.assertEqual(parse("10.1145/3292500.3330701").identifier.kind, "doi")
        self.assertEqual(parse("conf/nips/VaswaniSPUJGKP17").identifier.kind, "dblp")
        self.assertIsNone(parse("attention is all you need").identifier)

    def test_folding_removes_case_and_accents(self):
        self.assertEqual(fold("Schrödinger"), "schrodinger")
        self.assertEqual(fold("Łukasik"), "lukasik")
        self.assertEqual(fold("STRASSE"), fold("Straße"))

    def test_combining_accents_typed_apart_still_make_one_word(self):
        self.assertEqual(parse("Schro\u0308dinger").terms, [Term(("Schrödinger",))])


class NumberFormsTests(SimpleTestCase):
    def test_a_plural_asks_for_its_singular_and_a_singular_for_its_plural(self):
        cases = {
            "transformers": "transformer",
            "Transformer": "transformers",
            "networks": "network",
            "queries": "query",
            "query": "queries",
            "processes": "process",
            "process": "processes",
            "biases": "bias",
            "bias": "biases",
            "boxes": "box",
            "caches": "cache",
            "ideas": "idea",
            "matrices": "matrix",
            "hypothesis": "hypotheses",
            "data": "datum",
        }
        for word, other in cases.items():
            with self.subTest(word=word):
                forms = number_forms(word)
                self.assertEqual(forms[0], word.lower())
                self.assertIn(other, forms)

    def test_short_words_numbers_and_non_ascii_words_are_left_alone(self):
        for word in ("gan", "is", "bert2", "3d", "schrödinger", "x"):
            with self.subTest(word=word):
                self.assertEqual(number_forms(word), (word.lower(),))

    def test_a_phrase_varies_its_last_word_and_a_prefix_nothing(self):
        self.assertEqual(
            Term(("graph", "neural", "networks")).forms(),
            [("graph", "neural", "networks"), ("graph", "neural", "network")],
        )
        self.assertEqual(Term(("transf",), prefix=True).forms(), [("transf",)])

    def test_the_highlighter_marks_the_other_number_of_free_words_only(self):
        wanted = parse("transformers author:jones").highlight_words()
        self.assertIn(("transformer", False), wanted)
        self.assertNotIn(("jone", False), wanted)
