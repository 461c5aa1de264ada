from django.urls import path

from shortscience.summaries import views

app_name = "summaries"
urlpatterns = [
    path("paper/<int:paper_pk>/summary/edit", views.edit, name="edit"),
    path("summary/<int:pk>/source", views.source, name="source"),
    path("summary/<int:pk>/history", views.history, name="history"),
    path("summary/<int:pk>/share", views.share, name="share"),
    path("summary/<int:pk>/unshare", views.unshare, name="unshare"),
    path("summary/<int:pk>/publish", views.publish, name="publish"),
    path("markup/preview", views.preview, name="preview"),
]
