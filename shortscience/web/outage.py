"""What a visitor gets when the site cannot do its work: a page that says so, never a
stack trace. A database that cannot be reached (a connection refused or dropped) answers
503 with Retry-After, so that a proxy or a crawler retries instead of recording an error;
the page cache serves the copies it holds meanwhile (web/pages.py). Both pages are
rendered without a request's context processors, which would query the database.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

RETRY_AFTER_SECONDS = 30


def database_unreachable(error: BaseException | None) -> bool:
    # OperationalError is also a lock timeout or a cancelled statement on a live database;
    # any of them means "try again shortly", which is what the 503 says.
    return isinstance(error, (OperationalError, InterfaceError))


def unavailable() -> HttpResponse:
    response = HttpResponse(
        loader.render_to_string("503.html", {"site_name": settings.SITE_NAME}), status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.database_unreachable = True
    return response


def server_error(request) -> HttpResponse:
    """handler500: called while the uncaught exception is being handled."""
    if database_unreachable(sys.exc_info()[1]):
        return unavailable()
    return HttpResponseServerError(
        loader.render_to_string("500.html", {"site_name": settings.SITE_NAME})
    )
