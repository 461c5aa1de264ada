from django.urls import path

from shortscience.web import health

app_name = "web"
urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
]
