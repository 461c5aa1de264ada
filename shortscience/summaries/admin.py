from contextlib import contextmanager

from django.contrib import admin

from shortscience.summaries import search_index
from shortscience.summaries.models import Revision, Summary, SummaryChange, refresh_paper_stats
from shortscience.web.admin import ChangesEverything


class DeletesSummaries:
    """For an admin whose deletions take summaries with them (summaries themselves, members,
    papers): their papers' public summary numbers follow, and the public ones become the
    mirrors' tombstones (SummaryChange). `summaries_by`: the Summary field naming this
    admin's object."""

    summaries_by = "pk"

    def delete_model(self, request, obj):
        with _summaries_gone(Summary.objects.filter(**{self.summaries_by: obj.pk})):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with _summaries_gone(Summary.objects.filter(**{f"{self.summaries_by}__in": queryset})):
            super().delete_queryset(request, queryset)


@contextmanager
def _summaries_gone(summaries):
    papers = list(summaries.values_list("paper_id", flat=True))
    gone = list(summaries.public().values_list("pk", flat=True))
    yield
    refresh_paper_stats(papers)
    SummaryChange.note(gone)


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    readonly_fields = ["number", "body", "visibility", "is_anonymous", "created"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Summary)
class SummaryAdmin(DeletesSummaries, ChangesEverything, admin.ModelAdmin):
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
        was_public = change and Summary.objects.filter(pk=obj.pk).public().exists()
        super().save_model(request, obj, form, change)
        search_index.index_summaries([obj.pk])
        moved_from = [form.initial["paper"]] if change and "paper" in form.changed_data else []
        refresh_paper_stats([obj.paper_id, *moved_from])
        if was_public or obj.is_public:
            SummaryChange.note([obj.pk])


@admin.register(Revision)
class RevisionAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["summary", "number", "visibility", "created"]
    raw_id_fields = ["summary"]
    readonly_fields = ["summary", "number", "body", "visibility", "is_anonymous", "created"]
