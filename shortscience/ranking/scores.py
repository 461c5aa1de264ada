"""Ranking keys: research fields from arXiv categories and subjects, hotness (the home
page's Popular order) and the Wilson lower bound (the order of a paper's summaries and of
comments).

Pure functions: `summaries.services` calls them on save and `community.services.cast_vote`
on each vote, so the stored keys are always current and a list page only sorts by an
indexed column (heavy work at write time, not at request time).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime

# Field code -> (label, arXiv category prefixes): with FIELD_WORDS below for free-text
# subjects, the one place the mapping lives. A bare archive name ("astro-ph", "gr-qc",
# "nlin") counts as its prefix without the trailing dot. Venue.kind (conference / journal /
# preprint / other) says nothing about a field, so venues play no part: the field of a
# summary is that of its paper's keywords (arXiv categories and subjects) only.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cs": ("Computer science", ("cs.",)),
    "stat": ("Statistics", ("stat.",)),
    # "math." with its dot: "math-ph" (mathematical physics) is physics.
    "math": ("Mathematics", ("math.",)),
    "physics": (
        "Physics",
        (
            "hep-",
            "astro-ph",
            "cond-mat",
            "gr-qc",
            "quant-ph",
            "nucl-",
            "physics.",
            "nlin.",
            "math-ph",
        ),
    ),
    "q-bio": ("Biology", ("q-bio.",)),
    "q-fin": ("Finance", ("q-fin.",)),
    "eess": ("Electrical engineering", ("eess.",)),
    "econ": ("Economics", ("econ.",)),
}


# Field code -> words that place a free-text keyword in it. Papers from Crossref, DBLP or a
# BibTeX entry carry subjects and keywords ("structural biology", "Statistics and
# Probability"), not arXiv categories: without these, AlphaFold (Nature, via Crossref) was in
# no field and the Biology filter was empty. Whole words only, and only words that name the
# discipline: "machine learning" or "neural networks" say nothing of the field a paper is in,
# and a wrong field hides a summary from the right filter.
FIELD_WORDS: dict[str, frozenset[str]] = {
    "q-bio": frozenset(
        {
            "biology",
            "biological",
            "biophysics",
            "biochemistry",
            "bioinformatics",
            "biomedical",
            "biomedicine",
            "genomics",
            "genetics",
            "proteomics",
            "protein",
            "proteins",
            "neuroscience",
            "ecology",
        }
    ),
    "cs": frozenset({"computer"}),
    "physics": frozenset({"physics", "astrophysics", "astronomy", "cosmology"}),
    "math": frozenset({"mathematics"}),
    "stat": frozenset({"statistics"}),
    "q-fin": frozenset({"finance"}),
    "econ": frozenset({"economics", "econometrics"}),
}
_WORD = re.compile(r"[a-z]+")


# (code, label) of each field, in order: what a field filter offers.
FIELD_CHOICES = [(code, label) for code, (label, _) in FIELDS.items()]


def field_param(raw: str | None) -> str:
    """A ?field= value as a field code; "" (all fields) for anything else: these links get
    shared and truncated, and the whole list is a better answer than an error."""
    return raw if raw in FIELDS else ""


def field_of(category: str) -> str | None:
    """The field code of one keyword: an arXiv category ("cs.LG" -> "cs", "hep-th" ->
    "physics", "q-bio.BM" -> "q-bio") or a subject naming a discipline ("structural
    biology" -> "q-bio"). The first field whose words the subject uses wins."""
    category = category.strip()
    for code, (_, prefixes) in FIELDS.items():
        if category.startswith(prefixes) or category in {p.rstrip(".-") for p in prefixes}:
            return code
    words = set(_WORD.findall(category.lower()))
    for code, vocabulary in FIELD_WORDS.items():
        if words & vocabulary:
            return code
    return None


def fields_tag(categories: Iterable[str]) -> str:
    """What Summary.fields stores: the codes, each wrapped in spaces (" cs stat "), so that a
    filter on " cs " never matches inside another code ("physics" ends in "cs")."""
    codes = sorted({code for c in categories if (code := field_of(c))})
    return f" {' '.join(codes)} " if codes else ""


# Hotness, after Reddit's: the order of magnitude of the net score, plus that of today's paper
# views (weighted less than votes: a view is cheap), plus the age in units of 12.5 hours. A
# summary 12.5 hours younger ties with one ten times the net votes.
VIEW_WEIGHT = 0.5
AGE_UNIT_SECONDS = 45_000
# Epoch seconds counted from the site's start keep the floats small; only differences matter.
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


def hotness(net: int, views_today: int, created: datetime) -> float:
    order = math.log10(max(abs(net), 1))
    sign = (net > 0) - (net < 0)
    seconds = (created - EPOCH).total_seconds()
    return round(
        sign * order
        + VIEW_WEIGHT * math.log10(1 + max(views_today, 0))
        + seconds / AGE_UNIT_SECONDS,
        7,
    )


# z for an 80% two-sided confidence interval: the Wilson lower bound ranks 1 up / 0 down
# (0.38) below 10 up / 1 down (0.77), which a plain up/(up+down) would not.
WILSON_Z = 1.2816


def wilson_lower_bound(up: int, down: int, z: float = WILSON_Z) -> float:
    """Lower bound of the Wilson score interval for the share of up votes (0 without votes)."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    z2 = z * z
    return (p + z2 / (2 * n) - z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n)
