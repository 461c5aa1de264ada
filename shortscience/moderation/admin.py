from __future__ import annotations

from django.contrib import admin

from shortscience.moderation.models import ModerationAction, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "reason", "status", "reporter", "created"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["reporter", "summary", "comment", "post", "reported_user", "resolved_by"]


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """Read-only: the log is written by moderation.services, never edited by hand."""

    list_display = ["created", "moderator", "action", "target_label", "reason"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
