"""Paper sources. Every source module has the same shape, so adding one means copying one:

    NAME = "arXiv"                                   # the Paper.source value it produces
    def parse(payload: bytes | str) -> list[PaperRecord]
        # the source's own format -> records; raises ImportFailed with a message for people
    def fetch(identifier: str) -> PaperRecord | None
        # one paper by the source's identifier through http_client(); None when the source
        # answers that it has no such paper; ImportFailed when the answer is unreadable;
        # lib.http.FetchError when no answer came

Base URLs come from settings (ARXIV_API_URL, CROSSREF_API_URL, DBLP_URL,
OPENREVIEW_API_URL, ARXIV_OAI_URL), read at call time so tests can override them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from shortscience.lib.http import HttpClient


@cache
def _client(user_agent: str, timeout: int, retries: int, cache_dir: str) -> HttpClient:
    return HttpClient(
        user_agent=user_agent,
        timeout=timeout,
        retries=retries,
        # arXiv's API terms ask for one request every three seconds; Crossref's polite pool
        # and DBLP have no published interval, so a small one keeps bulk look-ups polite.
        min_interval={
            "export.arxiv.org": 3.0,
            "oaipmh.arxiv.org": 3.0,
            "api.crossref.org": 0.1,
            "dblp.org": 1.0,
        },
        cache_dir=Path(cache_dir) if cache_dir else None,
    )


def http_client() -> HttpClient:
    return _client(
        f"ShortScience/0.1 (+{settings.SITE_ROOT}; mailto:{settings.CONTACT_EMAIL})",
        settings.HTTP_TIMEOUT_SECONDS,
        settings.HTTP_RETRIES,
        settings.HTTP_CACHE_DIR,
    )
