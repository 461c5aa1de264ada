"""Under /api/: every error is JSON with a message, whichever layer answered it (Django's
404 and 405, a crash), and GET answers may be read by a page on any origin (an arXiv
overlay, a browser extension): `Access-Control-Allow-Origin: *`, never with credentials."""

from __future__ import annotations

from http import HTTPStatus

from django.http import JsonResponse

PREFIX = "/api/"


def not_found(request):
    return JsonResponse({"detail": f"No API endpoint at {request.path}."}, status=404)


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(PREFIX):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            headers = {k: v for k, v in response.items() if k.lower() in ("allow", "retry-after")}
            response = JsonResponse(
                {"detail": _reason(response.status_code)},
                status=response.status_code,
                headers=headers,
            )
        if request.method in ("GET", "HEAD"):
            response["Access-Control-Allow-Origin"] = "*"
        return response


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return f"Error {status}."
