from django.urls import include, path, re_path

from shortscience.api import dump_views, middleware
from shortscience.api.views import api

# The open data dumps: the page for people, and the files when the site serves DUMPS_DIR.
dumps_urls = [
    path("data", dump_views.page, name="page"),
    path("dumps/<str:release>/<str:name>", dump_views.download, name="file"),
]

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include((dumps_urls, "dumps"))),
    # Anything else under /api/ is a JSON 404, not the site's HTML one.
    re_path(r"^api/", middleware.not_found),
]
