from django.contrib import admin

from shortscience.summaries.models import Revision, Summary


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    readonly_fields = ["number", "body", "visibility", "is_anonymous", "created"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    list_display = ["id", "paper", "user", "visibility", "is_anonymous", "edited"]
    list_filter = ["visibility", "is_anonymous"]
    list_select_related = ["paper", "user"]
    raw_id_fields = ["paper", "user"]
    # Text changes go through the editor, which appends a revision; the admin only reads them.
    readonly_fields = ["body", "body_html", "excerpt", "created", "edited"]
    inlines = [RevisionInline]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["summary", "number", "visibility", "created"]
    raw_id_fields = ["summary"]
    readonly_fields = ["summary", "number", "body", "visibility", "is_anonymous", "created"]
