from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shortscience.accounts.models import User
from shortscience.summaries.models import Summary, refresh_paper_stats
from shortscience.web.admin import ChangesEverything


@admin.register(User)
class ShortScienceUserAdmin(ChangesEverything, UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "orcid", "reputation")}),
    )
    list_display = ["username", "email", "display_name", "is_staff", "date_joined"]

    # Deleting a member here deletes their summaries with them (members.services
    # .delete_account is the way that keeps a trace): their papers' numbers follow.
    def delete_model(self, request, obj):
        papers = list(Summary.objects.filter(user=obj).values_list("paper_id", flat=True))
        super().delete_model(request, obj)
        refresh_paper_stats(papers)

    def delete_queryset(self, request, queryset):
        papers = list(Summary.objects.filter(user__in=queryset).values_list("paper_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_paper_stats(papers)
