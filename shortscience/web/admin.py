"""What the admin site shares: an edit there can change any page, and says so."""

from __future__ import annotations

from shortscience.web import changes


class ChangesEverything:
    """A ModelAdmin mixin: every save or delete in the admin says that every page may have
    changed (web/changes.py). Admin edits are rare; being precise about them is not worth
    a stale page."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes.everything()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changes.everything()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        changes.everything()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        changes.everything()
