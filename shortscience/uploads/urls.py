from __future__ import annotations

from django.urls import path

from shortscience.uploads import views

app_name = "uploads"
urlpatterns = [
    path("upload", views.upload, name="upload"),
]
