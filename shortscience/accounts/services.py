"""Writes of accounts that other apps build on: author claims (ORCID-approved or decided by
a moderator). Exporting and closing an account touch every app: they are in members."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone

from shortscience.accounts.models import ApiToken, AuthorClaim, User
from shortscience.accounts.names import validate_display_name
from shortscience.lib.text import clean, clean_line
from shortscience.papers.models import Paper, PaperAuthor
from shortscience.web import changes


def update_profile(user: User, *, display_name: str, bio: str, orcid: str) -> User:
    """A member changes what others see of them: their name is on every page that shows
    their signed work, and in the directory. Raises ValidationError for a name that
    impersonates another member or the site (accounts/names.py)."""
    display_name, bio = clean_line(display_name), clean(bio)  # lib/text.py says why
    validate_display_name(display_name, user=user)
    with transaction.atomic():
        user.display_name, user.bio, user.orcid = display_name, bio, orcid
        user.save(update_fields=["display_name", "bio", "orcid"])
        changes.changed(members=[user.pk], lists=[changes.MEMBERS])
    return user


def set_proven_orcid(user: User, orcid: str) -> None:
    """The iD of an ORCID account the member logged in with: shown on their profile."""
    if user.orcid == orcid:
        return
    with transaction.atomic():
        user.orcid = orcid
        user.save(update_fields=["orcid"])
        changes.changed(members=[user.pk])


def verified_orcids(user: User) -> list[str]:
    """The ORCID iDs `user` proved to own by logging in with ORCID.

    The iD typed on the settings page is shown on the profile but proves nothing (anyone
    can type a famous author's iD), so it alone never approves a claim.
    """
    return list(
        SocialAccount.objects.filter(user=user, provider="orcid").values_list("uid", flat=True)
    )


def claim_authorship(*, user: User, paper: Paper) -> AuthorClaim:
    """Record `user`'s claim to be an author of `paper`.

    Approved at once when an ORCID iD the user proved (by ORCID log-in) is one of the
    paper's authors' as the sources gave it; otherwise left pending for a moderator. A
    second claim returns the first unchanged, except that a pending one is approved once
    an ORCID iD matches.
    """
    orcids = verified_orcids(user)
    orcid_match = bool(orcids) and (
        PaperAuthor.objects.filter(paper=paper, author__orcid__in=orcids).exists()
    )
    with transaction.atomic():
        claim, _ = AuthorClaim.objects.select_for_update().get_or_create(user=user, paper=paper)
        if orcid_match and claim.status == AuthorClaim.Status.PENDING:
            claim.status = AuthorClaim.Status.APPROVED
            claim.method = AuthorClaim.Method.ORCID
            claim.decided_at = timezone.now()
            claim.save(update_fields=["status", "method", "decided_at"])
    return claim


def decide_claim(*, claim: AuthorClaim, moderator: User, approve: bool) -> AuthorClaim:
    claim.status = AuthorClaim.Status.APPROVED if approve else AuthorClaim.Status.REJECTED
    claim.method = AuthorClaim.Method.MODERATOR
    claim.decided_at = timezone.now()
    claim.decided_by = moderator
    claim.save(update_fields=["status", "method", "decided_at", "decided_by"])
    return claim


def create_api_token(user: User, *, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `user`: (the stored token, the secret), the secret to show once."""
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"Unknown scope {scope!r}; use one of {', '.join(ApiToken.Scope.values)}.")
    name = clean_line(name).strip()[:100] or "token"
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        digest=ApiToken.digest_of(secret),
        shown_prefix=secret[:10],
    )
    return token, secret


def revoke_api_token(user: User, token_id: int) -> bool:
    """The member's own token stops working at once; False when there is no such live token
    of theirs (someone else's token is not theirs to revoke)."""
    return bool(
        ApiToken.objects.active().filter(pk=token_id, user=user).update(revoked_at=timezone.now())
    )


def note_token_used(token: ApiToken) -> None:
    """When a token was last used, shown on the settings page, written at most once a minute
    per token so that a busy script does not write on every request."""
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
