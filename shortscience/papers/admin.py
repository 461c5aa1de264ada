from django.contrib import admin

from shortscience.papers.models import Author, Keyword, Paper, PaperAuthor, PaperIdentifier, Venue


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


class PaperIdentifierInline(admin.TabularInline):
    model = PaperIdentifier
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "venue", "year", "source"]
    list_filter = ["source", "venue__kind"]
    search_fields = ["title", "identifiers__value"]
    list_select_related = ["venue"]
    autocomplete_fields = ["venue", "keywords"]
    inlines = [PaperAuthorInline, PaperIdentifierInline]
    readonly_fields = ["slug", "created", "updated"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "normalized_name"]
    search_fields = ["name", "normalized_name"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["key", "name"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(PaperIdentifier)
class PaperIdentifierAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "display", "paper"]
    list_filter = ["kind"]
    search_fields = ["value"]
    raw_id_fields = ["paper"]
