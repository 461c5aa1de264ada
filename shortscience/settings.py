"""ShortScience settings, all read from environment variables.

Defaults make a fresh clone run on SQLite under var/. See README for every variable.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from shortscience.accounts.oauth import ENV_NAMES as OAUTH_ENV_NAMES
from shortscience.accounts.oauth import social_providers
from shortscience.lib.env import (
    ConfigError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

_HOW_TO_MAKE_A_KEY = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # Good enough for a developer's laptop and the test suite, never for a served site.
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ConfigError(f"SECRET_KEY must be set when DEBUG is off; {_HOW_TO_MAKE_A_KEY}")
elif not (DEBUG or TESTING) and (
    # Django's own test of a guessable key (`check --deploy`, security.W009), made an error:
    # sessions, password reset links and unsubscribe links are only as safe as this key.
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ConfigError(
        "SECRET_KEY is too weak for a site with DEBUG off (it needs at least 50 characters, "
        f"5 of them different, and not Django's insecure prefix); {_HOW_TO_MAKE_A_KEY}"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "ShortScience")
# The public address, in every absolute link (feeds, sitemaps, emails, citation tags).
# Required when DEBUG is off: a default would quietly send readers, crawlers and citation
# managers to the development server's 127.0.0.1.
SITE_ROOT = env_str("SITE_ROOT")
if not SITE_ROOT:
    if DEBUG or TESTING:
        SITE_ROOT = "http://127.0.0.1:8000"
    else:
        raise ConfigError(
            "SITE_ROOT must be set when DEBUG is off: the site's public address, "
            "e.g. https://example.org"
        )
_site_root = urlsplit(SITE_ROOT)
if _site_root.scheme not in ("http", "https") or not _site_root.netloc:
    raise ConfigError(f"SITE_ROOT={SITE_ROOT!r} is not an address like https://example.org")

# Open data dumps (api/dumps.py, `manage.py export_dump DIR`). DUMPS_DIR: the directory of
# releases the site reads; /data and /api/v1/dumps/latest show its newest, and its files are
# served at /dumps/<release>/<file> (a proxy in front may serve that path from the directory
# itself). DUMPS_URL: where the releases are published when elsewhere (object storage, a
# mirror synced from DUMPS_DIR); links then point there. Neither: the site links no release.
DUMPS_DIR = env_str("DUMPS_DIR")
DUMPS_URL = env_str("DUMPS_URL").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "shortscience.accounts",
    "shortscience.papers",
    "shortscience.summaries",
    "shortscience.web",
    "shortscience.ranking",
    "shortscience.home",
    "shortscience.demo",
    "shortscience.community",
    "shortscience.notifications",
    "shortscience.moderation",
    "shortscience.uploads",
    "shortscience.library",
    "shortscience.discovery",
    "shortscience.lists",
    "shortscience.groups",
    "shortscience.members",
    "shortscience.search",
    "shortscience.api",
    # django-ninja: in INSTALLED_APPS so that the API's docs page loads its scripts from our
    # static files, not from a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, the page cache's and the API's errors too.
    "shortscience.web.csp.ContentSecurityPolicyMiddleware",
    # /api/: errors as JSON whichever layer answered, and CORS on GET.
    "shortscience.api.middleware.ApiMiddleware",
    # A 400 for %00 in a URL (web/requests.py); inside the API's, so its answer is JSON there.
    "shortscience.web.requests.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag and Last-Modified on every page and feed, answering 304 when they match; outside
    # the page cache so that cached pages get them too.
    "django.middleware.http.ConditionalGetMiddleware",
    # Counts every paper page served, the page cache's answers too: so before it.
    "shortscience.ranking.middleware.PaperViewsMiddleware",
    # With DATABASE_REPLICA_URLS: which requests read from a replica; outside the page cache,
    # so that its renders do (web/replicas.py).
    "shortscience.web.replicas.ReplicaMiddleware",
    "shortscience.web.pages.AnonymousPageCacheMiddleware",
    # KaTeX's style attributes to a hashed <style> (web/csp.py); inside the page cache, so
    # that a page is stored with its sheet and the policy that allows it.
    "shortscience.web.csp.InlineStylesMiddleware",
    # A session's POST refused by a spent bucket a moment ago is refused again before the
    # session and the member are read (accounts/middleware.py).
    "shortscience.accounts.middleware.RefusedRecentlyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a POST's body: a spent bucket's 429 without it.
    "shortscience.accounts.middleware.RefuseSpentEarlyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After auth and messages: logs a banned member out on their next request.
    "shortscience.accounts.middleware.BannedUserMiddleware",
]

ROOT_URLCONF = "shortscience.urls"
WSGI_APPLICATION = "shortscience.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shortscience" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shortscience.web.context_processors.site",
                "shortscience.moderation.context_processors.moderation",
                "shortscience.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shortscience.sqlite3'}"),
        base_dir=str(BASE_DIR),
    )
}
# DATABASE_REPLICA_URLS: streaming replicas of a PostgreSQL primary, comma-separated. A
# visitor's GET reads from one (web/replicas.py decides which requests, once); writes, reads
# in a transaction, commands and a member who wrote in the last REPLICA_PIN_SECONDS use the
# primary.
_POSTGRES = "django.db.backends.postgresql"
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = parse_database_url(_url, base_dir=str(BASE_DIR))
    if not _replica["ENGINE"] == DATABASES["default"]["ENGINE"] == _POSTGRES:
        raise ConfigError(
            "DATABASE_REPLICA_URLS: replicas are PostgreSQL streaming replicas of a PostgreSQL "
            "DATABASE_URL"
        )
    # The tests read "replicas" that are the primary itself.
    DATABASES[f"replica{_number}"] = {**_replica, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["shortscience.web.replicas.ReplicaRouter"] if len(DATABASES) > 1 else []
REPLICA_PIN_SECONDS = env_float("REPLICA_PIN_SECONDS", 5.0)
# A replica further behind than this is not read from (and /healthz?full=1 says so).
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 1.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE_URL: sqlite:///var/cache.sqlite3 (the default: one file shared by every worker on
# this machine), locmem:// (one process; the tests' default), redis://host:6379/0 (shared by
# every app server; needs the `redis` package) or db://table (Django's database cache).
CACHES = {
    "default": parse_cache_url(
        env_str("CACHE_URL", "locmem://" if TESTING else f"sqlite:///{VAR_DIR / 'cache.sqlite3'}"),
        base_dir=str(BASE_DIR),
    )
}
# Whole pages for visitors who are not logged in (web/pages.py); 0 turns the cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 0 if TESTING else 600)
# How often each process reads the changes written since its last read (web/changes.py):
# the most a visitor's page can trail a write made through another process or server.
PAGE_CACHE_VERSION_SECONDS = env_float("PAGE_CACHE_VERSION_SECONDS", 0 if TESTING else 1.0)
# The API feed for mirrors lists a change this long after it happened: on PostgreSQL a
# transaction may commit a lower id after a higher one, and a reader must not pass it by.
API_FEED_SETTLE_SECONDS = env_float("API_FEED_SETTLE_SECONDS", 0 if TESTING else 2.0)
# Bytes of pages each process also keeps in its own memory, in front of CACHE_URL (0: none).
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_BYTES", 0 if TESTING else 16 * 1024 * 1024)
PAGE_CACHE_SKIP_PREFIXES = (
    "/api/",
    "/accounts/",
    "/admin/",
    "/settings",
    "/markup/",
    "/static/",
    "/media/",
    "/healthz",
    # A personal page (the token in its address is the member's), kept out of shared caches.
    "/unsubscribe/",
)

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, each refusing banned members (shortscience/accounts/auth.py).
AUTHENTICATION_BACKENDS = [
    "shortscience.accounts.auth.ModelBackend",
    "shortscience.accounts.auth.AuthenticationBackend",
]
# Says "This account is banned: <reason>" on the log-in form instead of a wrong-password error.
ACCOUNT_ADAPTER = "shortscience.accounts.auth.AccountAdapter"
# Says that a member who signed up with ORCID, GitHub or Google joined the directory.
SOCIALACCOUNT_ADAPTER = "shortscience.accounts.auth.SocialAccountAdapter"
# allauth's limits live in the per-process cache; ours are database token buckets shared by
# every app server (accounts/ratelimit.py, wired around allauth's forms in urls.py).
ACCOUNT_RATE_LIMITS = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests create many users; the slow, safe hashers are for real accounts only.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SITE_ID = 1
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# The sign-up form with a honeypot field (accounts/forms.py).
ACCOUNT_FORMS = {"signup": "shortscience.accounts.forms.SignupForm"}
# Log-in with ORCID, GitHub or Google, each only when its <NAME>_CLIENT_ID and <NAME>_SECRET
# (or <NAME>_SECRET_FILE) are set; apps come from settings, no SocialApp rows needed.
SOCIALACCOUNT_PROVIDERS = social_providers({name: env_str(name) for name in OAUTH_ENV_NAMES})
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# Where forms may send a browser (Content-Security-Policy's form-action, web/csp.py): the
# site itself, and the providers that are on. Log-in with a provider is a POST to the site
# answered by a redirect to the provider, and Chrome and Safari hold that redirect to
# form-action as well (w3c/webappsec-csp#8): without them there, those buttons do nothing.
_OAUTH_AUTHORIZE_ORIGINS = {
    "orcid": "https://orcid.org",
    "github": "https://github.com",
    "google": "https://accounts.google.com",
}
CSP_FORM_ACTION = ["'self'", *(_OAUTH_AUTHORIZE_ORIGINS[p] for p in SOCIALACCOUNT_PROVIDERS)]
SOCIALACCOUNT_STORE_TOKENS = False

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ShortScience <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (notifications/services.py, `manage.py send_emails`): a failed email is retried
# after base, 3x base, 9x base... seconds and given up after EMAIL_MAX_ATTEMPTS tries; a
# sender holds the rows it claimed for EMAIL_CLAIM_SECONDS.
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 6)
EMAIL_RETRY_BASE_SECONDS = env_int("EMAIL_RETRY_BASE_SECONDS", 300)
EMAIL_CLAIM_SECONDS = env_int("EMAIL_CLAIM_SECONDS", 600)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


def _json_setting(name: str) -> dict:
    import json

    raw = env_str(name, "{}")
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise ConfigError(f"{name} must be a JSON object: {e}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object")
    return value


STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "shortscience" / "static",
    # KaTeX's stylesheet and fonts come from the npm package, served by the site itself.
    ("katex", BASE_DIR / "node_modules" / "katex" / "dist"),
]
STORAGES = {
    # Uploaded images. MEDIA_STORAGE_BACKEND can name any Django storage (an S3-compatible one
    # from django-storages, say), configured with MEDIA_STORAGE_OPTIONS as a JSON object.
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": _json_setting("MEDIA_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development and tests WhiteNoise finds files through the finders, with no collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
# Image uploads (shortscience/uploads): the largest file accepted and the largest image in
# pixels, which also guards Pillow against decompression bombs. Production serves MEDIA_URL
# from the web server (or the storage's own URLs); Django serves it only when DEBUG is on.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 25_000_000)
# Accounts younger than this get half the bucket of the write rate limits.
NEW_ACCOUNT_DAYS = env_int("NEW_ACCOUNT_DAYS", 7)

# HTTPS. Cookies are sent over HTTPS only when the site is served over it (DEBUG off, an
# https SITE_ROOT); each can be set either way. The redirect to HTTPS and HSTS are the
# operator's choice (README: a served site): HSTS is remembered by browsers for
# SECURE_HSTS_SECONDS, so a mistake there outlives the fix.
_https_site = not DEBUG and not TESTING and _site_root.scheme == "https"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _https_site)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _https_site)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# A load balancer's health check speaks plain HTTP to the app server, and a redirect is not
# an answer it accepts.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a proxy that ends TLS, the request header (as Django names it: HTTP_ + upper case)
# in which the proxy says "https": HTTP_X_FORWARDED_PROTO for X-Forwarded-Proto. Only when
# the proxy always sets it, overwriting a client's, or a client can claim HTTPS.
_proxy_ssl_header = env_str("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl_header and not re.fullmatch(r"HTTP_[A-Z0-9_]+", _proxy_ssl_header):
    raise ConfigError(
        f"SECURE_PROXY_SSL_HEADER={_proxy_ssl_header!r} is not a header as Django names it "
        "(HTTP_X_FORWARDED_PROTO for X-Forwarded-Proto)"
    )
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Markup: the longest summary accepted. The KaTeX engine reads NODE_BINARY and
# KATEX_TIMEOUT_SECONDS itself (lib/katex.py), being framework-free.
SUMMARY_MAX_CHARS = env_int("SUMMARY_MAX_CHARS", 100_000)
# The CPU time one text may cost to render (lib/markup/budget.py), the math aside: a 100 KB
# summary costs 0.06-0.13 s, 100 KB of nested brackets 2-4 s. A text over it is refused
# (summaries, comments, previews: with the request's own ~70 ms, in under 0.3 s) or shown as
# plain text (abstracts and titles, which must import).
MARKUP_BUDGET_SECONDS = env_float("MARKUP_BUDGET_SECONDS", 0.2)
if not MARKUP_BUDGET_SECONDS > 0:
    raise ConfigError(f"MARKUP_BUDGET_SECONDS={MARKUP_BUDGET_SECONDS} is not a positive number")

# Discussion (community/services.py): the longest comment, how long its author may edit it,
# and how deep replies nest (a reply to a comment at the cap becomes its sibling).
COMMENT_MAX_CHARS = env_int("COMMENT_MAX_CHARS", 10_000)
COMMENT_EDIT_WINDOW_MINUTES = env_int("COMMENT_EDIT_WINDOW_MINUTES", 60)
COMMENT_MAX_DEPTH = 5
# Reputation counts only votes at least this old, so a burst of votes (or a vote ring) shows
# on the work at once but on the member only after it had time to be noticed.
REPUTATION_VOTE_AGE_DAYS = 2

# Home tabs and ranking (ranking/scores.py, ranking/viewcount.py): the "Top recent" window, and
# how often each process writes its in-memory paper view counts (whichever comes first).
# Never in tests unless a test asks: a flush inside another test would add to its queries.
TOP_RECENT_DAYS = env_int("TOP_RECENT_DAYS", 7)
VIEW_COUNT_FLUSH_SECONDS = env_int("VIEW_COUNT_FLUSH_SECONDS", 10**9 if TESTING else 60)
VIEW_COUNT_FLUSH_VIEWS = env_int("VIEW_COUNT_FLUSH_VIEWS", 10**9 if TESTING else 500)

# Paper sources. Each base URL can point at a mirror or a proxy; tests point them at a
# local server of recorded responses, and a test that forgets to gets a refused
# connection on the discard port instead of reaching the real service.
_UNSET_IN_TESTS = "http://127.0.0.1:9"


def _source_url(name: str, default: str) -> str:
    return env_str(name, _UNSET_IN_TESTS if TESTING else default)


CONTACT_EMAIL = env_str("CONTACT_EMAIL", "admin@localhost")
ARXIV_API_URL = _source_url("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = _source_url("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
CROSSREF_API_URL = _source_url("CROSSREF_API_URL", "https://api.crossref.org")
DBLP_URL = _source_url("DBLP_URL", "https://dblp.org")
OPENREVIEW_API_URL = _source_url("OPENREVIEW_API_URL", "https://api2.openreview.net")
HTTP_TIMEOUT_SECONDS = env_int("HTTP_TIMEOUT_SECONDS", 20)
HTTP_RETRIES = env_int("HTTP_RETRIES", 0 if TESTING else 3)
# Tests run without the cache: every fetch in a test reaches the recorded-response server.
HTTP_CACHE_DIR = env_str("HTTP_CACHE_DIR", "" if TESTING else str(VAR_DIR / "cache" / "http"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO"),
    },
}

os.makedirs(VAR_DIR, exist_ok=True)
