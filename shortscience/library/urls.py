from django.urls import path

from shortscience.library import views

app_name = "library"
urlpatterns = [
    path("paper", views.legacy, name="legacy"),
    path("papers/add", views.add, name="add"),
]
