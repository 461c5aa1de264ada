from __future__ import annotations

from django.urls import path

from shortscience.moderation import views

app_name = "moderation"
urlpatterns = [
    path("moderation/report/<str:kind>/<int:pk>", views.report, name="report"),
    path("moderation/queue", views.queue, name="queue"),
    path("moderation/act/<str:kind>/<int:pk>", views.act, name="act"),
    path("moderation/merge", views.merge, name="merge"),
    path("moderation/log", views.log, name="log"),
]
