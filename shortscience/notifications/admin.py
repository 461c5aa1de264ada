from django.contrib import admin
from django.utils import timezone

from shortscience.notifications.models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The outbox, for an operator chasing a bounced or stuck email."""

    list_display = [
        "id",
        "to",
        "subject",
        "created",
        "send_after",
        "attempts",
        "sent_at",
        "failed_at",
    ]
    list_filter = ["sent_at", "failed_at"]
    search_fields = ["to", "subject"]
    raw_id_fields = ["notification"]
    readonly_fields = ["created", "sent_at", "attempts", "last_error", "headers"]
    actions = ["retry_now"]

    @admin.action(description="Retry now (clears give-up and attempts)")
    def retry_now(self, request, queryset):
        queryset.filter(sent_at__isnull=True).update(
            failed_at=None, attempts=0, send_after=timezone.now()
        )
