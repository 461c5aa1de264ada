from django.urls import path

from shortscience.lists import feeds, views

app_name = "lists"
urlpatterns = [
    path("coverage", views.coverage, name="coverage"),
    path("coverage/request", views.coverage_request, name="coverage_request"),
    path("coverage/list", views.coverage_list, name="coverage_list"),
    path("lists", views.directory, name="directory"),
    path("lists/new", views.new, name="new"),
    path("lists/add", views.choose, name="choose"),
    path("lists/<str:key>", views.detail, name="detail"),
    path("lists/<str:key>/edit", views.edit, name="edit"),
    path("lists/<str:key>/delete", views.delete, name="delete"),
    path("lists/<str:key>/add", views.add, name="add"),
    path("lists/<str:key>/items/<int:pk>", views.item, name="item"),
    path("lists/<str:key>/bibtex", views.export, {"fmt": "bibtex"}, name="bibtex"),
    path("lists/<str:key>/ris", views.export, {"fmt": "ris"}, name="ris"),
    path("lists/<str:key>/csl.json", views.export, {"fmt": "csl"}, name="csl"),
    path("lists/<str:key>/feed.atom", feeds.ListFeed(), name="feed"),
]
