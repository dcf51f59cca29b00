"""Django admin for tiers, pledges, their stage history, in-kind offers and benefits.

A pledge's stage is read-only once the pledge exists: stage moves go through the app
(`sponsors.services.move_pledge`) so that each one is recorded as a PledgeStageChange.
A pledge added here records its first stage just as `create_pledge` does.
"""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.registry import register_admin_inline
from sponsors.models import (
    CLOSED_LOST_STAGES,
    BenefitDelivery,
    InKindContribution,
    Pledge,
    PledgeStageChange,
    SponsorshipTier,
)
from sponsors.services import note_milestones, sync_benefits


@admin.register(SponsorshipTier)
class SponsorshipTierAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "price", "slots", "ticket_allocation", "stand", "logo", "speaking_slot"]
    list_select_related = ["event"]
    list_filter = ["event", "stand", "logo", "speaking_slot"]
    search_fields = ["name", "event__name"]
    autocomplete_fields = ["event"]


class PledgeStageChangeInline(admin.TabularInline):
    model = PledgeStageChange
    fields = readonly_fields = ("changed_at", "from_stage", "to_stage", "changed_by", "note")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class BenefitDeliveryInline(admin.TabularInline):
    model = BenefitDelivery
    fields = ["benefit", "delivered", "delivered_on", "notes"]
    extra = 0


class PledgeAdminForm(forms.ModelForm):
    class Meta:
        model = Pledge
        fields = "__all__"  # noqa: DJ007 (the admin edits every field)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        stage = cleaned.get("stage")
        if stage in CLOSED_LOST_STAGES and not (cleaned.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Say why the pledge was declined or withdrawn.")
        return cleaned


@admin.register(Pledge)
class PledgeAdmin(SimpleHistoryAdmin):
    form = PledgeAdminForm
    list_display = [
        "organisation",
        "event",
        "tier",
        "amount",
        "stage",
        "stage_changed_at",
        "expected_date",
        "owner",
    ]
    list_select_related = ["organisation", "event", "tier", "owner"]
    list_filter = ["stage", "event"]
    search_fields = ["organisation__name", "event__name", "tier__name", "notes"]
    autocomplete_fields = ["organisation", "event", "tier", "owner"]
    date_hierarchy = "stage_changed_at"
    inlines = [BenefitDeliveryInline, PledgeStageChangeInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["stage_changed_at", "created_at", "updated_at"]
        if obj is not None:
            # Stage moves go through the app (move_pledge) so each one is recorded.
            readonly.insert(0, "stage")
        return readonly

    def save_model(self, request, obj, form, change):
        tier_changed = "tier" in form.changed_data
        if not change:
            note_milestones(obj, obj.stage, obj.stage_changed_at)
        super().save_model(request, obj, form, change)
        if not change:
            PledgeStageChange.objects.create(
                pledge=obj,
                from_stage="",
                to_stage=obj.stage,
                changed_by=request.user,
                changed_at=obj.stage_changed_at,
            )
        if not change or tier_changed:
            sync_benefits(obj)


@admin.register(PledgeStageChange)
class PledgeStageChangeAdmin(admin.ModelAdmin):
    """The audit trail of stage moves: view only."""

    list_display = ["pledge", "from_stage", "to_stage", "changed_by", "changed_at"]
    list_select_related = ["pledge__organisation", "pledge__event", "changed_by"]
    list_filter = ["to_stage", "from_stage"]
    search_fields = ["pledge__organisation__name", "note"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InKindContribution)
class InKindContributionAdmin(SimpleHistoryAdmin):
    list_display = [
        "description",
        "organisation",
        "event",
        "category",
        "quantity",
        "estimated_value",
        "status",
        "owner",
    ]
    list_select_related = ["organisation", "event", "owner"]
    list_filter = ["status", "category", "event"]
    search_fields = ["description", "organisation__name", "event__name", "valuation_basis"]
    autocomplete_fields = ["organisation", "event", "owner"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"


@admin.register(BenefitDelivery)
class BenefitDeliveryAdmin(admin.ModelAdmin):
    list_display = ["benefit", "pledge", "delivered", "delivered_on"]
    list_select_related = ["pledge__organisation", "pledge__event"]
    list_filter = ["delivered", "pledge__event"]
    search_fields = ["benefit", "pledge__organisation__name", "notes"]
    raw_id_fields = ["pledge"]
    date_hierarchy = "delivered_on"


# --- On the organisation's admin page (crm.registry) ---------------------------------------


class PledgeInline(admin.TabularInline):
    """Read-only: pledges are created and moved between stages through the pledge admin
    (or the app), so that every stage is recorded as a PledgeStageChange."""

    model = Pledge
    fields = readonly_fields = ("event", "tier", "amount", "stage", "expected_date", "owner")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event", "tier", "owner")


class InKindContributionInline(admin.TabularInline):
    model = InKindContribution
    fields = ["event", "category", "description", "quantity", "estimated_value", "status"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


register_admin_inline("crm.organisation", PledgeInline)
register_admin_inline("crm.organisation", InKindContributionInline)
