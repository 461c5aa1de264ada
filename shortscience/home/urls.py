from django.urls import path

from shortscience.home import views

app_name = "home"
urlpatterns = [
    path("", views.home, name="home"),
    path("about", views.about, name="about"),
    path("favicon.ico", views.favicon, name="favicon"),
]
