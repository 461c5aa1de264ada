from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shortscience.accounts import services
from shortscience.accounts.forms import ApiTokenForm, SettingsForm
from shortscience.accounts.models import ApiToken, AuthorClaim
from shortscience.accounts.ratelimit import rate_limited
from shortscience.papers.models import Paper
from shortscience.web.http import wants_json


@login_required
@never_cache  # it may show a new API token once: Back must not show it again
@require_http_methods(["GET", "POST"])
def settings_page(request):
    if request.method == "POST":
        form = SettingsForm(request.POST, instance=request.user)
        if form.is_valid():
            services.update_profile(request.user, **form.cleaned_data)
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:settings")
    else:
        form = SettingsForm(instance=request.user)
    return _settings(request, form=form, token_form=ApiTokenForm())


def _settings(request, *, form, token_form, new_token=None, status: int = 200):
    verified = services.verified_orcids(request.user)
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "orcid_verified": bool(request.user.orcid) and request.user.orcid in verified,
            "token_form": token_form,
            "tokens": ApiToken.objects.active().filter(user=request.user),
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@never_cache
@require_POST
@rate_limited("token")
def create_token(request):
    """The new token is in this answer and nowhere else: kept only as a hash, never in the
    session or a cookie, and the answer is not cached (Back does not show it again)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _settings(
            request, form=SettingsForm(instance=request.user), token_form=form, status=400
        )
    token, secret = services.create_api_token(request.user, **form.cleaned_data)
    return _settings(
        request,
        form=SettingsForm(instance=request.user),
        token_form=ApiTokenForm(),
        new_token={"name": token.name, "scope": token.scope, "secret": secret},
    )


@login_required
@require_POST
def revoke_token(request, token_pk: int):
    if services.revoke_api_token(request.user, token_pk):
        messages.success(request, "The token is revoked: it no longer opens the API.")
    else:
        messages.error(request, "You have no such token.")
    # To the top, where the message is.
    return redirect("accounts:settings")


@login_required
@require_POST
@rate_limited("claim")
def claim(request, paper_pk: int):
    paper = get_object_or_404(Paper, pk=paper_pk, merged_into__isnull=True)
    claim = services.claim_authorship(user=request.user, paper=paper)
    if claim.status == AuthorClaim.Status.APPROVED:
        text = "You are listed as an author of this paper."
    elif claim.status == AuthorClaim.Status.PENDING:
        text = "Thank you: a moderator will check your claim to be an author of this paper."
    else:
        text = "A moderator declined your claim to be an author of this paper."
    if wants_json(request):
        return JsonResponse({"status": claim.status, "message": text})
    messages.info(request, text)
    return redirect(paper)
