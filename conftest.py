"""The test suite's process as a whole (pytest loads this before any test)."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # This process keeps every test's objects, so one of the garbage collector's full passes
    # can take 0.43 s here, twice the markup budget, wherever it lands; a served worker
    # freezes its start-up heap (wsgi.py) and pays for what a render made. The suite's
    # renders get a budget that such a pass cannot exhaust; the budget's own tests set
    # theirs (self.settings(MARKUP_BUDGET_SECONDS=...), or budget= on the call).
    from django.conf import settings

    settings.MARKUP_BUDGET_SECONDS = 5.0
