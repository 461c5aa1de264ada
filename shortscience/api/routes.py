"""The one router every endpoint is on (reads in views.py, writes in writes.py): django-ninja
gives one URL to each path of a router, so a GET and a PUT of /summaries/{id} must share it."""

from ninja import Router

router = Router()
