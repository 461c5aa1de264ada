from allauth.account import views as allauth_views
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from shortscience.accounts.ratelimit import rate_limited

urlpatterns = [
    path("", include("shortscience.api.urls")),
    path("", include("shortscience.web.urls")),
    path("", include("shortscience.home.urls")),
    # Before papers: /paper/<id>/bibtex would otherwise read as a paper slug.
    path("", include("shortscience.discovery.urls")),
    path("", include("shortscience.papers.urls")),
    path("", include("shortscience.library.urls")),
    path("", include("shortscience.summaries.urls")),
    path("", include("shortscience.community.urls")),
    path("", include("shortscience.notifications.urls")),
    path("", include("shortscience.moderation.urls")),
    path("", include("shortscience.uploads.urls")),
    path("", include("shortscience.search.urls")),
    path("", include("shortscience.lists.urls")),
    path("", include("shortscience.groups.urls")),
    path("", include("shortscience.accounts.urls")),
    path("", include("shortscience.members.urls")),
    # allauth's public forms behind our database token buckets (per IP), ahead of its own URLs.
    path("accounts/login/", rate_limited("login")(allauth_views.login)),
    path("accounts/signup/", rate_limited("signup")(allauth_views.signup)),
    path("accounts/password/reset/", rate_limited("password_reset")(allauth_views.password_reset)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded images, in development only (static() is empty unless DEBUG): in production the
# web server serves MEDIA_ROOT at MEDIA_URL, or the storage backend serves its own URLs.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler500 = "shortscience.web.outage.server_error"
