from django.contrib import admin, messages

from shortscience.accounts import services
from shortscience.accounts.models import AuthorClaim, TokenBucket
from shortscience.accounts.permissions import is_moderator

# User is registered by the members app: deleting a member deletes their summaries, and
# the papers' public summary numbers must follow (members/admin.py).


@admin.register(TokenBucket)
class TokenBucketAdmin(admin.ModelAdmin):
    list_display = ["key", "tokens", "updated"]
    search_fields = ["key"]


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "status", "method", "created", "decided_by"]
    list_filter = ["status", "method"]
    list_select_related = ["user", "paper", "decided_by"]
    search_fields = ["user__username", "paper__title"]
    raw_id_fields = ["user", "paper", "decided_by"]
    readonly_fields = ["created", "decided_at", "decided_by", "method"]
    actions = ["approve", "reject"]

    def _decide(self, request, queryset, *, approve: bool) -> None:
        if not is_moderator(request.user):
            self.message_user(request, "Only moderators decide claims.", messages.ERROR)
            return
        n = 0
        for claim in queryset.select_related("user", "paper"):
            services.decide_claim(claim=claim, moderator=request.user, approve=approve)
            n += 1
        verb = "approved" if approve else "rejected"
        self.message_user(request, f"{n} claim{'s' if n != 1 else ''} {verb}.")

    @admin.action(description="Approve the selected claims")
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected claims")
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)
