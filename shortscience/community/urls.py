from django.urls import path

from shortscience.community import views

app_name = "community"
urlpatterns = [
    path("summary/<int:pk>/vote", views.vote_summary, name="vote_summary"),
    path("summary/<int:pk>/comments", views.post_comment, name="post_comment"),
    path("summary/<int:pk>/comments/preview", views.preview_comment, name="preview_comment"),
    path("comment/<int:pk>", views.comment, name="comment"),
    path("comment/<int:pk>/vote", views.vote_comment, name="vote_comment"),
    path("comment/<int:pk>/edit", views.edit_comment, name="edit_comment"),
    path("comment/<int:pk>/delete", views.delete_comment, name="delete_comment"),
]
