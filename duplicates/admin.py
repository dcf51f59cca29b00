from django.contrib import admin

from duplicates.models import Merge, NotDuplicate, Rule, RuleSet


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["target", "threshold", "last_run_at", "last_pair_count"]
    inlines = [RuleInline]


@admin.register(NotDuplicate)
class NotDuplicateAdmin(admin.ModelAdmin):
    list_display = ["target", "low_id", "high_id", "decided_by", "decided_at"]
    list_filter = ["target"]


@admin.register(Merge)
class MergeAdmin(admin.ModelAdmin):
    """Read-only: a merge is undone on its page, where the undo checks what it must."""

    list_display = ["summary", "target", "merged_by", "merged_at", "undone_at"]
    list_filter = ["target"]
    exclude = ["merged_rows", "hook_records"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
