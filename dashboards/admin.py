from django.contrib import admin

from dashboards.models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "url_name", "shared", "created_at"]
    list_select_related = ["owner"]
    list_filter = ["shared", "url_name"]
    search_fields = ["name", "url_name", "owner__username"]
    autocomplete_fields = ["owner"]
