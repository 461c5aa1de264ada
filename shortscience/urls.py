from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("shortscience.front.urls")),
    path("", include("shortscience.papers.urls")),
    path("", include("shortscience.summaries.urls")),
    path("", include("shortscience.community.urls")),
    path("", include("shortscience.notifications.urls")),
    path("", include("shortscience.moderation.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
