from django.urls import path

from shortscience.members import views

app_name = "members"
urlpatterns = [
    # profiles
    path("u/<str:username>", views.profile, name="profile"),
    path("user", views.legacy_profile, name="legacy_profile"),
    path("users", views.directory, name="directory"),
    # leaving: a copy of everything, then closing the account
    path("settings/export", views.export, name="export"),
    path("settings/delete", views.delete, name="delete"),
]
