"""Fill a member's ORCID iD from an ORCID log-in: that iD is proven, unlike a typed one.

allauth tells of a new social account by its signals (there is no adapter method for an
account connected later); the receivers hand over to the accounts service."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.socialaccount.signals import social_account_added
from django.dispatch import receiver

from shortscience.accounts import services
from shortscience.accounts.orcid import normalize_orcid


def fill_orcid_from(sociallogin) -> None:
    if sociallogin is None or sociallogin.account.provider != "orcid":
        return
    user = sociallogin.user
    try:
        orcid = normalize_orcid(sociallogin.account.uid)
    except ValueError:
        return
    services.set_proven_orcid(user, orcid)


@receiver(social_account_added)
def on_social_account_added(sender, request, sociallogin, **kwargs):
    fill_orcid_from(sociallogin)


@receiver(user_signed_up)
def on_user_signed_up(sender, request, user, **kwargs):
    fill_orcid_from(kwargs.get("sociallogin"))
