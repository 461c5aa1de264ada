from __future__ import annotations

from django.contrib import admin

from shortscience.uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["file", "user", "width", "height", "bytes", "created"]
    raw_id_fields = ["user"]
