"""Filter sets for every list. Exports apply the same classes, so an export is
exactly what the list shows; the filter state lives in the URL."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from crm.forms.base import BootstrapFormMixin
from crm.models import Contact, FollowUp, Interaction, Organisation, Role, Sector, Tag
from crm.registry import list_extensions
from crm.selectors.search import contact_list_condition, organisation_list_condition, terms_of

ROLE_FIELDS = Organisation.ROLE_FIELDS


def _owners(request=None):
    return get_user_model().objects.filter(is_active=True).order_by("username")


class FilterForm(BootstrapFormMixin, forms.Form):
    """Bootstrap-styled form for every app's filter sets."""


class _DateInput(forms.DateInput):
    input_type = "date"


class RecordFilter(django_filters.FilterSet):
    """Filters shared by the organisation and contact lists.

    `org` is the path from the listed model to its organisation ("" for
    organisations themselves), so one definition serves both lists.
    """

    org = ""
    filters: dict[str, django_filters.Filter]  # the instance's own copy of the declared filters
    #: The list whose extensions (crm.registry) add filters here, after the tag filter.
    list_name = ""

    q = django_filters.CharFilter(method="filter_q", label="Search")
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label="Role")
    sector = django_filters.ChoiceFilter(choices=Sector.choices, method="filter_org_field", label="Sector")
    city = django_filters.CharFilter(method="filter_city", label="City / region")
    owner = django_filters.ModelChoiceFilter(queryset=_owners, label="Owner")
    tag = django_filters.ModelChoiceFilter(queryset=Tag.objects.all(), field_name="tags", label="Tag")
    contacted_after = django_filters.DateFilter(
        field_name="last_contacted",
        lookup_expr="date__gte",
        label="Last contacted on or after",
        widget=_DateInput,
    )
    contacted_before = django_filters.DateFilter(
        method="filter_contacted_before",
        label="Last contacted before",
        widget=_DateInput,
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Has an overdue follow-up",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        added = {}
        for extension in list_extensions(self.list_name):
            for name, extra in extension.filters(self.org).items():
                extra.model = self._meta.model
                extra.parent = self
                added[name] = extra
        if added:
            names = list(self.filters)
            at = names.index("tag") + 1 if "tag" in names else len(names)
            self.filters = {
                **{n: self.filters[n] for n in names[:at]},
                **added,
                **{n: self.filters[n] for n in names[at:]},
            }

    def _path(self, field):
        return f"{self.org}__{field}" if self.org else field

    def filter_role(self, queryset, name, value):
        return queryset.filter(**{self._path(ROLE_FIELDS[Role(value)]): True})

    def filter_org_field(self, queryset, name, value):
        return queryset.filter(**{self._path(name): value})

    def filter_city(self, queryset, name, value):
        return queryset.filter(**{f"{self._path('city')}__iexact": value.strip()})

    def filter_overdue(self, queryset, name, value):
        """By the overdue follow-ups themselves: a semi-join over the few of them, where the list's
        `has_overdue` (its next follow-up's date) would be worked out for every row (75 ms at 100,000)."""
        overdue = Exists(FollowUp.objects.overdue().filter(**{self.list_name: OuterRef("pk")}))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_contacted_before(self, queryset, name, value):
        """Never contacted counts as "before" any date: those are the ones to chase."""
        return queryset.filter(Q(last_contacted__date__lt=value) | Q(last_contacted__isnull=True))


class OrganisationFilter(RecordFilter):
    list_name = "organisation"

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, or a contact’s name or email"}),
    )

    class Meta:
        model = Organisation
        fields: list[str] = []
        form = FilterForm

    def filter_q(self, queryset, name, value):
        """Each word matches the name or one of its contacts' names or emails (the search index's)."""
        return queryset.filter(organisation_list_condition(terms_of(value)))


class ContactFilter(RecordFilter):
    org = "organisation"
    list_name = "contact"

    q = django_filters.CharFilter(
        method="filter_q",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email or organisation"}),
    )
    # Apart from the search box: job titles are not in the search index, so matching one reads every contact.
    job_title = django_filters.CharFilter(lookup_expr="icontains", label="Job title")

    do_not_contact = django_filters.BooleanFilter(
        label="Do not contact",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )

    class Meta:
        model = Contact
        fields: list[str] = []
        form = FilterForm

    def filter_q(self, queryset, name, value):
        """Each word matches the name, email or organisation (the search index's)."""
        return queryset.filter(contact_list_condition(terms_of(value)))


class InteractionFilter(django_filters.FilterSet):
    occurred_after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", widget=_DateInput)
    occurred_before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", widget=_DateInput)

    class Meta:
        model = Interaction
        fields = ["kind", "organisation", "contact", "logged_by"]


class FollowUpFilter(django_filters.FilterSet):
    """Used by the follow-up export. From the web it defaults to what "My follow-ups"
    shows (mine, open); `who=all` and `status=` widen it as the page's own filter does."""

    who = django_filters.ChoiceFilter(choices=(("mine", "Mine"), ("all", "Everyone's")), method="filter_who")

    class Meta:
        model = FollowUp
        fields = ["status", "assignee", "organisation"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        if request is not None:
            data = data.copy() if data is not None else {}
            if not data.get("who") and not data.get("assignee"):
                data["who"] = "mine"
            data.setdefault("status", FollowUp.Status.OPEN)
        super().__init__(data, *args, request=request, **kwargs)

    def filter_who(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == "mine" and user is not None and user.is_authenticated:
            return queryset.filter(assignee=user)
        return queryset
