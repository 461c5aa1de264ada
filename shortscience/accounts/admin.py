from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shortscience.accounts.models import TokenBucket, User


@admin.register(User)
class ShortScienceUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Profile", {"fields": ("display_name", "bio")}))
    list_display = ["username", "email", "display_name", "is_staff", "date_joined"]


@admin.register(TokenBucket)
class TokenBucketAdmin(admin.ModelAdmin):
    list_display = ["key", "tokens", "updated"]
    search_fields = ["key"]
