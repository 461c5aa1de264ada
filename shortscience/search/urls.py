from django.urls import path

from shortscience.search import views

app_name = "search"

urlpatterns = [
    path("search", views.search, name="search"),
    path("search/bibtex", views.search_bibtex, name="bibtex"),
    # The original site's search URL, which JabRef still builds.
    path("internalsearch", views.internalsearch, name="internalsearch"),
]
