"""Fill a member's ORCID iD from an ORCID log-in: that iD is proven, unlike a typed one."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.socialaccount.signals import social_account_added
from django.dispatch import receiver

from shortscience.accounts.orcid import normalize_orcid


def fill_orcid_from(sociallogin) -> None:
    if sociallogin is None or sociallogin.account.provider != "orcid":
        return
    user = sociallogin.user
    try:
        orcid = normalize_orcid(sociallogin.account.uid)
    except ValueError:
        return
    if user.orcid != orcid:
        user.orcid = orcid
        user.save(update_fields=["orcid"])


@receiver(social_account_added)
def on_social_account_added(sender, request, sociallogin, **kwargs):
    fill_orcid_from(sociallogin)


@receiver(user_signed_up)
def on_user_signed_up(sender, request, user, **kwargs):
    fill_orcid_from(kwargs.get("sociallogin"))
