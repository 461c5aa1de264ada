from django.urls import path

from shortscience.front import views

app_name = "front"
urlpatterns = [
    path("", views.home, name="home"),
]
