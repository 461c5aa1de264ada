from django.urls import path  # noqa: F401

from shortscience.community import views  # noqa: F401

app_name = "community"
urlpatterns: list = []
