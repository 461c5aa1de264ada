from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shortscience.accounts.models import User
from shortscience.summaries.admin import DeletesSummaries
from shortscience.web.admin import ChangesEverything


@admin.register(User)
class ShortScienceUserAdmin(DeletesSummaries, ChangesEverything, UserAdmin):
    # Deleting a member here deletes their summaries with them (members.services
    # .delete_account is the way that keeps a trace).
    summaries_by = "user"

    fieldsets = (
        *UserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "orcid", "reputation")}),
    )
    list_display = ["username", "email", "display_name", "is_staff", "date_joined"]
