"""Which third-party log-in providers are on: only those with credentials in the
environment. Read by settings.py, so no Django imports here."""

from __future__ import annotations

from collections.abc import Mapping

# allauth provider id -> environment variable prefix
PROVIDERS = {"orcid": "ORCID", "github": "GITHUB", "google": "GOOGLE"}
ENV_NAMES = [
    f"{prefix}_{part}" for prefix in PROVIDERS.values() for part in ("CLIENT_ID", "SECRET")
]

# Extra provider settings: ORCID's public API (not the member API) and the fewest scopes.
_EXTRA: dict[str, dict] = {
    "orcid": {"BASE_DOMAIN": "orcid.org", "MEMBER_API": False},
    "github": {"SCOPE": ["user:email"]},
    "google": {"SCOPE": ["profile", "email"], "AUTH_PARAMS": {"access_type": "online"}},
}


def social_providers(environ: Mapping[str, str]) -> dict[str, dict]:
    """SOCIALACCOUNT_PROVIDERS for allauth: an "APP" for each provider whose
    <PREFIX>_CLIENT_ID and <PREFIX>_SECRET are both set; the others are left out, and
    allauth shows a log-in button only for providers that have an app."""
    configured = {}
    for provider, prefix in PROVIDERS.items():
        client_id = environ.get(f"{prefix}_CLIENT_ID", "").strip()
        secret = environ.get(f"{prefix}_SECRET", "").strip()
        if client_id and secret:
            configured[provider] = {
                **_EXTRA[provider],
                "APP": {"client_id": client_id, "secret": secret, "key": ""},
            }
    return configured
