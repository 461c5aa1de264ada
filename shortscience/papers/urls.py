from django.urls import path

from shortscience.papers import views

app_name = "papers"
urlpatterns = [
    path("paper", views.legacy, name="legacy"),
    path("paper/<int:pk>", views.by_id, name="by_id"),
    path("paper/<int:pk>/<str:slug>", views.detail, name="detail"),
    path("papers/add", views.add, name="add"),
]
