from django.urls import path

from shortscience.front import health, views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
]
