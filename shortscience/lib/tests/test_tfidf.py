from __future__ import annotations

from unittest import TestCase

from shortscience.lib import tfidf

DOCS = [
    (1, "Attention is all you need. The transformer uses self-attention for translation."),
    (2, "Self-attention transformer models for machine translation with multi-head attention."),
    (3, "Random forests: an ensemble of decision trees grown on bootstrap samples."),
    (4, "Gradient boosted decision trees and random forests for tabular data."),
    (5, "Dropout as a Bayesian approximation: uncertainty in deep networks."),
]


class TfidfTests(TestCase):
    def test_documents_sharing_rare_terms_are_related_best_first(self):
        index = tfidf.build(DOCS)
        self.assertEqual(index.related(1, k=1)[0][0], 2)
        self.assertEqual(index.related(3, k=1)[0][0], 4)

    def test_a_document_is_never_its_own_relative_and_unrelated_ones_stay_out(self):
        index = tfidf.build(DOCS)
        related = dict(index.related(5, k=5))
        self.assertNotIn(5, related)
        self.assertEqual(related, {})

    def test_scores_are_at_most_one_and_symmetric(self):
        index = tfidf.build(DOCS)
        forward = dict(index.related(1))[2]
        backward = dict(index.related(2))[1]
        self.assertAlmostEqual(forward, backward, places=3)
        self.assertLessEqual(forward, 1.0)

    def test_stop_words_digits_and_short_words_are_not_terms(self):
        self.assertEqual(
            tfidf.terms("The 3 of us used a GPU in 2017 for Schrödinger"), ["gpu", "schrödinger"]
        )

    def test_an_unknown_or_empty_document_has_no_relatives(self):
        index = tfidf.build([*DOCS, (6, "")])
        self.assertEqual(index.related(6), [])
        self.assertEqual(index.related(99), [])
