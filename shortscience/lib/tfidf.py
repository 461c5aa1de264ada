"""Related documents by TF-IDF similarity, in bounded memory.

Each document keeps only its TOP_TERMS heaviest terms (tf-idf weight, L2-normalized over
those terms), and an inverted index holds those terms alone. A document's candidates are
the documents sharing one of its heavy terms; terms carried by more than MAX_POSTING
documents are skipped as candidates' sources (they are common words for this corpus, and
would make every lookup touch a large share of it). The score is the dot product of the two
truncated vectors: an approximation of cosine similarity that keeps 1M abstracts in a few
hundred MB and answers each lookup from a few thousand candidates at most.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from heapq import nlargest

TOP_TERMS = 12
MAX_POSTING = 2000
_WORD = re.compile(r"[^\W\d_]{3,}")
# Words that carry no topic in scientific prose; the rest of the common ones get a low idf.
STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "are",
        "was",
        "were",
        "been",
        "have",
        "has",
        "had",
        "not",
        "but",
        "can",
        "our",
        "their",
        "which",
        "these",
        "those",
        "into",
        "than",
        "then",
        "them",
        "they",
        "its",
        "also",
        "such",
        "using",
        "use",
        "used",
        "based",
        "via",
        "over",
        "under",
        "between",
        "both",
        "each",
        "more",
        "most",
        "other",
        "some",
        "any",
        "all",
        "only",
        "new",
        "show",
        "shows",
        "shown",
        "paper",
        "propose",
        "proposed",
        "approach",
        "method",
        "methods",
        "results",
        "result",
        "study",
        "work",
        "well",
        "may",
        "however",
        "two",
        "one",
        "three",
        "first",
        "second",
        "where",
        "when",
        "while",
        "how",
        "what",
        "who",
        "whom",
        "whose",
        "there",
        "here",
    ]
)


def terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP]


class Index:
    """Build with count() for every document, then add() for every document, then query."""

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()
        self.docs = 0
        self._term_ids: dict[str, int] = {}
        self._vectors: dict[int, tuple[array, array]] = {}
        # term id -> (document ids, that term's weight in each)
        self._postings: dict[int, tuple[array, array]] = {}

    def count(self, text: str) -> None:
        self.docs += 1
        self.df.update(set(terms(text)))

    def add(self, doc_id: int, text: str) -> None:
        tf = Counter(terms(text))
        if not tf:
            return
        weights = {
            t: (1 + math.log(n)) * math.log((1 + self.docs) / (1 + self.df.get(t, 0)))
            for t, n in tf.items()
        }
        top = nlargest(TOP_TERMS, weights.items(), key=lambda kv: kv[1])
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        ids, ws = array("I"), array("f")
        for term, w in top:
            tid = self._term_ids.setdefault(term, len(self._term_ids))
            ids.append(tid)
            ws.append(w / norm)
            docs, doc_weights = self._postings.setdefault(tid, (array("I"), array("f")))
            docs.append(doc_id)
            doc_weights.append(w / norm)
        self._vectors[doc_id] = (ids, ws)

    def related(self, doc_id: int, k: int = 5, min_score: float = 0.05) -> list[tuple[int, float]]:
        """The k most similar documents to doc_id, best first, as (doc_id, score)."""
        vector = self._vectors.get(doc_id)
        if vector is None:
            return []
        scores: Counter[int] = Counter()
        for tid, w in zip(*vector, strict=True):
            docs, doc_weights = self._postings[tid]
            if len(docs) > MAX_POSTING:
                continue
            for other, ow in zip(docs, doc_weights, strict=True):
                scores[other] += w * ow
        scores.pop(doc_id, None)
        best = nlargest(k, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        return [(d, round(s, 4)) for d, s in best if s >= min_score]


def build(documents: Iterable[tuple[int, str]]) -> Index:
    """An index over (id, text) pairs; the iterable is read twice, so pass a list or a
    re-iterable (a QuerySet iterator factory wrapped in a list of chunks, say)."""
    index = Index()
    documents = documents if isinstance(documents, list) else list(documents)
    for _, text in documents:
        index.count(text)
    for doc_id, text in documents:
        index.add(doc_id, text)
    return index
