"""`/healthz`: for load balancers, and the trivial view that bench/load.py measures pages against."""

from __future__ import annotations

from django.http import HttpResponse


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
