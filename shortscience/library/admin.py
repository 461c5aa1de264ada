"""The papers' admin pages that merge (and undo merges), through the library's services."""

from django.contrib import admin, messages

from shortscience.library.services import MergeConflict, merge_papers, undo_merge
from shortscience.papers.models import MergeLog, Paper, PaperAuthor, PaperIdentifier
from shortscience.papers.services import typeset_abstract, typeset_title
from shortscience.summaries.admin import DeletesSummaries
from shortscience.web.admin import ChangesEverything


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


class PaperIdentifierInline(admin.TabularInline):
    model = PaperIdentifier
    extra = 0


@admin.register(Paper)
class PaperAdmin(DeletesSummaries, ChangesEverything, admin.ModelAdmin):
    summaries_by = "paper"

    list_display = ["id", "title", "venue", "year", "source"]
    list_filter = ["source", "venue__kind"]
    search_fields = ["title", "identifiers__value"]
    list_select_related = ["venue"]
    autocomplete_fields = ["venue", "keywords"]
    inlines = [PaperAuthorInline, PaperIdentifierInline]
    readonly_fields = ["slug", "match_key", "merged_into", "created", "updated"]
    actions = ["merge_into_oldest"]

    def save_model(self, request, obj, form, change):
        # The stored HTML follows the text the form edits (neither *_html field is in it).
        # Rendered inside the admin's transaction: admin edits are rare, a KaTeX round trip
        # is milliseconds, and only a title with "$" or a changed abstract asks for one.
        obj.title_html = typeset_title(obj.title)
        if not change or "abstract" in form.changed_data:
            obj.abstract_html = typeset_abstract(obj.abstract)
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge the selected papers into the oldest of them")
    def merge_into_oldest(self, request, queryset):
        papers = list(queryset.filter(merged_into=None).order_by("pk"))
        if len(papers) < 2:
            self.message_user(
                request, "Select at least two papers that are not merged already.", messages.ERROR
            )
            return
        kept = papers[0]
        for other in papers[1:]:
            try:
                merge_papers(kept, other, reason="merged by hand in the admin", by=request.user)
            except MergeConflict as e:
                self.message_user(request, f"Paper {other.pk} not merged: {e}", messages.ERROR)
            else:
                self.message_user(
                    request, f"Paper {other.pk} merged into {kept.pk}; the merge log can undo it."
                )


@admin.register(MergeLog)
class MergeLogAdmin(admin.ModelAdmin):
    list_display = ["created", "kept", "merged", "by", "reason", "undone"]
    list_select_related = ["kept", "merged", "by"]
    readonly_fields = ["kept", "merged", "by", "reason", "moved", "created", "undone"]
    actions = ["undo"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Undo the selected merges")
    def undo(self, request, queryset):
        for log in queryset.filter(undone=None).order_by("-created"):
            undo_merge(log)
            self.message_user(request, f"Undone: {log}.")
