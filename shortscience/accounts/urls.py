from django.urls import path

from shortscience.accounts import views

app_name = "accounts"
urlpatterns = [
    # the member's own settings
    path("settings", views.settings_page, name="settings"),
    path("settings/export", views.export, name="export"),
    path("settings/delete", views.delete, name="delete"),
    # profiles
    path("u/<str:username>", views.profile, name="profile"),
    path("user", views.legacy_profile, name="legacy_profile"),
    path("users", views.directory, name="directory"),
    # author claims
    path("paper/<int:paper_pk>/authors/claim", views.claim, name="claim"),
]
