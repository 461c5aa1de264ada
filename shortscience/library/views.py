"""Getting a paper into the library from a page: the add-paper box (look up, then confirm)
and the old site's /paper?bibtexKey= links, which fetch an arXiv paper or DOI we lack."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from shortscience.accounts.ratelimit import allow
from shortscience.lib import identifiers
from shortscience.lib.http import FetchError
from shortscience.lib.records import ImportFailed, PaperRecord
from shortscience.library import services
from shortscience.library.forms import AddPaperForm
from shortscience.papers.models import Paper
from shortscience.papers.services import fetch_records, typeset_title
from shortscience.summaries.models import Summary

# At most this many BibTeX entries from one paste; a library goes through import_papers.
MAX_RECORDS_PER_ADD = 50
_SIGNING_SALT = "papers.add"


def legacy(request):
    """The old site's /paper?bibtexKey=KEY[&a=USERNAME] links, redirected for good."""
    key = request.GET.get("bibtexKey", "").strip()
    paper = Paper.objects.by_identifier(key) if key else None
    if paper is None and key:
        paper, problem = _fetch_on_visit(request, key)
        if paper is None:
            status = 503 if problem == "unreachable" else 429 if problem == "rate" else 404
            return render(
                request,
                "library/not_in_library.html",
                {"key": key, "problem": problem},
                status=status,
            )
    if paper is None:
        return render(request, "library/not_in_library.html", {"key": key}, status=404)
    username = request.GET.get("a", "").strip()
    if username:
        user = get_user_model().objects.filter(username=username).first()
        # Only a public, signed summary is reachable by its author's name: following the
        # name to an anonymous summary would tell who wrote it.
        summary = (
            Summary.objects.public().filter(paper=paper, user=user, is_anonymous=False).first()
            if user
            else None
        )
        if summary:
            return redirect(summary, permanent=True)
    return redirect(paper, permanent=True)


def _fetch_on_visit(request, key: str) -> tuple[Paper | None, str]:
    """A link to an arXiv paper or DOI we do not have yet: ask the source, as OpenReview does
    for /forum?arxivid=. Only identifiers the source confirms become papers; the visitor's
    IP has a small budget of such look-ups."""
    ident = identifiers.recognize(key)
    if ident is None or ident.kind not in (identifiers.ARXIV, identifiers.DOI):
        return None, ""
    if not allow(request, "fetch"):
        return None, "rate"
    try:
        records = fetch_records(ident)
    except FetchError:
        return None, "unreachable"
    except ImportFailed:
        return None, ""
    if not records:
        return None, ""
    paper, _ = services.upsert_paper(records[0])
    return paper, ""


@login_required
@require_http_methods(["GET", "POST"])
def add(request):
    """One box: whatever identifier or BibTeX a person has. Look-up shows what the source
    says before anything is saved; a paper already in the library is shown instead."""
    form = AddPaperForm(request.POST if request.method == "POST" and "q" in request.POST else None)
    context: dict = {"form": form}
    if request.method == "POST" and "confirm" in request.POST:
        try:
            payload = signing.loads(request.POST["confirm"], salt=_SIGNING_SALT, max_age=3600)
            records = [PaperRecord.from_dict(item) for item in payload]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            context["error"] = "That look-up has expired; please look the paper up again."
            return render(request, "library/add.html", context, status=400)
        if not allow(request, "import"):
            context["error"] = "Too many papers added in a short time; please wait a few minutes."
            return render(request, "library/add.html", context, status=429)
        try:
            saved = services.import_records(records)
        except ImportFailed as e:
            context["error"] = str(e)
            return render(request, "library/add.html", context, status=400)
        if len(saved) == 1:
            return redirect(saved[0][0])
        context["saved"] = saved
        return render(request, "library/add.html", context)
    if form.is_bound and form.is_valid():
        status, extra = _look_up(request, form.cleaned_data["q"])
        context.update(extra)
        return render(request, "library/add.html", context, status=status)
    return render(request, "library/add.html", context, status=400 if form.is_bound else 200)


def _look_up(request, text: str) -> tuple[int, dict]:
    ident = identifiers.recognize(text)
    if ident is None:
        return 400, {
            "error": "This is not an identifier we can read. Paste an arXiv id or link, a DOI, "
            "a DBLP key or link, an OpenReview link, a ShortScience link, or BibTeX."
        }
    if ident.kind != identifiers.BIBTEX:
        existing = Paper.objects.by_identifier(ident.value)
        if existing:
            return 200, {"existing": [existing]}
    if not allow(request, "fetch"):
        return 429, {"error": "Too many look-ups in a short time; please wait a minute."}
    try:
        records = fetch_records(ident)
    except FetchError:
        return 503, {
            "error": "The source did not answer. Please try again in a few minutes, or paste "
            "the paper's BibTeX here instead (arXiv, publishers and Google Scholar offer it): "
            "it needs no source."
        }
    except ImportFailed as e:
        return 400, {"error": str(e)}
    if not records:
        return 404, {"error": f"{ident.display or ident.value} does not exist at its source."}
    if len(records) > MAX_RECORDS_PER_ADD:
        return 400, {
            "error": f"This BibTeX has {len(records)} entries; at most {MAX_RECORDS_PER_ADD} "
            "can be added at once here (an operator can import any number with import_papers)."
        }
    existing, new = [], []
    for record in records:
        found = services.find_existing(record)
        (existing if found else new).append(found[0] if found else record)
    return 200, {
        "existing": existing,
        # Each with its title as its page will show it (a look-up is a POST: it may typeset).
        "records": [(record, _title_display(record.title)) for record in new],
        "confirm": signing.dumps([r.to_dict() for r in new], salt=_SIGNING_SALT, compress=True),
    }


def _title_display(title: str) -> SafeString:
    """Paper.title_display for a record not saved yet."""
    html = typeset_title(title)
    return mark_safe(html) if html else escape(title)  # noqa: S308 - sanitized by render_title
