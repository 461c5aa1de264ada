from django.urls import path

from shortscience.papers import views

app_name = "papers"
urlpatterns = [
    path("paper/<int:pk>", views.by_id, name="by_id"),
]
