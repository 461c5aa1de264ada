"""Bans at the door: authentication backends that refuse banned members, and the allauth
adapter that tells a banned member why instead of reporting a wrong password."""

from __future__ import annotations

from allauth.account import auth_backends
from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.contrib import messages
from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect

from shortscience.accounts.names import validate_new_username
from shortscience.accounts.permissions import MODERATORS_GROUP
from shortscience.accounts.ratelimit import allow_key
from shortscience.web import changes


def ban_message(user) -> str:
    return f"This account is banned: {user.ban_reason or 'no reason given'}"


class _RefuseBanned:
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "banned_at", None) is None

    def get_user(self, user_id):
        # A session of a member banned since is still resolved here, so that
        # BannedUserMiddleware can log them out with the reason instead of silently.
        # Moderator status comes in the same query (permissions.is_moderator reads it), so
        # the "Moderation" link in every member page's header costs nothing.
        User = get_user_model()
        moderators = Group.objects.filter(user=OuterRef("pk"), name=MODERATORS_GROUP)
        try:
            user = User._default_manager.annotate(_is_moderator=Exists(moderators)).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if backends.ModelBackend.user_can_authenticate(self, user) else None


class ModelBackend(_RefuseBanned, backends.ModelBackend):
    pass


class AuthenticationBackend(_RefuseBanned, auth_backends.AuthenticationBackend):
    pass


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials):
        # allauth's own limits are off (they live in the per-process cache); this is its
        # per-account one on our shared buckets. Every attempt counts, not only failed ones:
        # ten log-ins in five minutes is not something a person does.
        login = credentials.get("email") or credentials.get("username") or ""
        if login and not allow_key("login_account", login.strip().lower()):
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        # allauth's backend hands back ("stashes") a member whose password matched but whom
        # user_can_authenticate() refused, so that it can explain; we explain bans.
        user = super().authenticate(request, **credentials)
        if user is not None and getattr(user, "banned_at", None) is not None:
            raise forms.ValidationError(ban_message(user))
        return user

    def clean_username(self, username, shallow=False):
        # Sign-up sets no display name: bylines show the username until the member sets
        # one, so it follows the rule for names (accounts/names.py).
        username = super().clean_username(username, shallow=shallow)
        validate_new_username(username, shallow=shallow)
        return username

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        # A new member is in the directory at once (web/changes.py).
        changes.changed(lists=[changes.MEMBERS])
        return user

    def pre_login(self, request, user, **kwargs):
        # Every other way into a session (after sign-up, a password reset, a social account).
        if getattr(user, "banned_at", None) is not None:
            messages.error(request, ban_message(user))
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        # Signing up with ORCID, GitHub or Google may not go through AccountAdapter.save_user.
        changes.changed(lists=[changes.MEMBERS])
        return user
