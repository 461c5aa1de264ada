from django.urls import path, re_path

from shortscience.api import middleware
from shortscience.api.views import api

urlpatterns = [
    path("api/v1/", api.urls),
    # Anything else under /api/ is a JSON 404, not the site's HTML one.
    re_path(r"^api/", middleware.not_found),
]
