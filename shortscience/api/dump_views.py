"""Where the open data dumps are found: `GET /api/v1/dumps/latest` (the newest release's
manifest with a download URL per file), the /data page for people, and the files
themselves at /dumps/<release>/<file> when the site serves DUMPS_DIR.

What the site knows of its releases it reads from DUMPS_DIR; DUMPS_URL, when set, is where
they are downloaded from instead (a copy of DUMPS_DIR published elsewhere)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from shortscience.api import dumps, schemas
from shortscience.web import changes, pages
from shortscience.web.links import absolute

router = Router(tags=["dumps"])


class DumpFile(Schema):
    name: str
    kind: str = Field(..., description="papers, summaries, comments or users")
    records: int
    bytes: int
    sha256: str
    url: str


class Release(Schema):
    release: str = Field(..., description="the time the release was begun, UTC")
    schema_version: int
    created: datetime
    site: str
    records: dict[str, int] = Field(..., description="records of each kind")
    files: list[DumpFile]
    license: dict = Field(..., description="the terms of each kind, and what to credit")
    manifest_url: str


def latest_release(*, full_urls: bool = True) -> dict | None:
    """The newest release's manifest, each file with where to download it (absolute for
    the API; the page links its own host, whatever SITE_ROOT says); None when the site has
    none (no DUMPS_DIR, or nothing in it yet)."""
    manifest = dumps.latest(settings.DUMPS_DIR) if settings.DUMPS_DIR else None
    if manifest is None:
        return None
    release = manifest["release"]
    return {
        **manifest,
        "files": [{**f, "url": _url(release, f["name"], full_urls)} for f in manifest["files"]],
        "manifest_url": _url(release, dumps.MANIFEST, full_urls),
    }


def _url(release: str, name: str, full: bool) -> str:
    if settings.DUMPS_URL:
        return f"{settings.DUMPS_URL}/{release}/{name}"
    path = reverse("dumps:file", args=[release, name])
    return absolute(path) if full else path


@router.get(
    "/dumps/latest",
    response={200: Release, 404: schemas.Error},
    url_name="dumps_latest",
)
def latest(request):
    """The newest release of the open data dumps: papers, public summaries and comments,
    public profiles, as gzipped JSON Lines. Check each file against its `sha256`."""
    found = latest_release()
    if found is None:
        raise HttpError(404, "This site publishes no data dump yet.")
    return found


def page(request):
    # export_dump says the DUMPS list changed when a release is complete (web/changes.py).
    pages.shows(request, lists=[changes.DUMPS])
    return render(
        request,
        "api/data.html",
        {"release": latest_release(full_urls=False), "dumps_url": settings.DUMPS_URL},
    )


@require_safe
def download(request, release: str, name: str):
    """A file of a release in DUMPS_DIR. Django streams it; a busy site lets its proxy
    serve /dumps/ from DUMPS_DIR instead, or publishes the releases at DUMPS_URL."""
    path = dumps.release_file(settings.DUMPS_DIR, release, name) if settings.DUMPS_DIR else None
    if path is None:
        raise Http404("No such file in the data dumps.")
    response = FileResponse(open(path, "rb"))  # noqa: SIM115 (FileResponse closes it)
    # A release never changes once it has its name, but it stops being served when the
    # next one is out (an older one may hold what was taken down since): not for a year.
    response["Cache-Control"] = "public, max-age=3600"
    return response
