from __future__ import annotations

from django.conf import settings
from django.db import models


class Upload(models.Model):
    """An image a member uploaded for their summaries, stored re-encoded (no metadata)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    # Through STORAGES["default"]: the local disk under MEDIA_ROOT, or any storage backend.
    file = models.FileField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()
    # Of the stored (re-encoded) file; it names the file, so one image is stored once.
    sha256 = models.CharField(max_length=64, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.file.name

    @property
    def url(self) -> str:
        return self.file.url
