from django.contrib import admin

from shortscience.papers.models import Author, Keyword, PaperIdentifier, Venue
from shortscience.web.admin import ChangesEverything

# Paper and MergeLog are registered by the library app, whose merges their actions run.


@admin.register(Author)
class AuthorAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["name", "normalized_name"]
    search_fields = ["name", "normalized_name"]


@admin.register(Venue)
class VenueAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["key", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["key", "name"]


@admin.register(Keyword)
class KeywordAdmin(ChangesEverything, admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(PaperIdentifier)
class PaperIdentifierAdmin(ChangesEverything, admin.ModelAdmin):
    list_display = ["kind", "value", "display", "paper"]
    list_filter = ["kind"]
    search_fields = ["value"]
    raw_id_fields = ["paper"]
