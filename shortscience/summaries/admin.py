from django.contrib import admin

from shortscience.summaries import search_index
from shortscience.summaries.models import Revision, Summary, refresh_paper_stats
from shortscience.web.admin import ChangesEverything


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    readonly_fields = ["number", "body", "visibility", "is_anonymous", "created"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Summary)
class SummaryAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["id", "paper", "user", "visibility", "is_anonymous", "edited"]
    list_filter = ["visibility", "is_anonymous"]
    list_select_related = ["paper", "user"]
    raw_id_fields = ["paper", "user"]
    # Text changes go through the editor, which appends a revision; the admin only reads them.
    readonly_fields = ["body", "body_html", "excerpt", "created", "edited"]
    inlines = [RevisionInline]

    # What save_summary and the moderation services keep in their transactions: the search
    # index and the papers' public summary numbers follow an edit made here too.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search_index.index_summaries([obj.pk])
        moved_from = [form.initial["paper"]] if change and "paper" in form.changed_data else []
        refresh_paper_stats([obj.paper_id, *moved_from])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_paper_stats([obj.paper_id])

    def delete_queryset(self, request, queryset):
        papers = list(queryset.values_list("paper_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_paper_stats(papers)


@admin.register(Revision)
class RevisionAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["summary", "number", "visibility", "created"]
    raw_id_fields = ["summary"]
    readonly_fields = ["summary", "number", "body", "visibility", "is_anonymous", "created"]
