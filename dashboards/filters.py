"""One FilterSet for every dashboard: event, date range, owner, role, sector, stage, tier, tag.

The state lives in GET parameters so a view can be bookmarked, shared or saved.
The FilterSet validates the parameters and renders the form; `Criteria` carries
the cleaned values to the selectors, which apply each filter to the right field
of their own models (an interaction's owner is who logged it, a pledge's owner
is the pledge owner, and so on).
"""

import datetime
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from crm.forms.base import BootstrapFormMixin
from crm.models import Event, Organisation, Role, Sector, Tag
from sponsors.models import Pledge, SponsorshipTier, Stage

#: Which filters each dashboard uses; the form shows only these.
BOARD_FILTERS = {
    "pipeline": ("event", "date_from", "date_to", "owner", "role", "sector", "stage", "tier", "tag", "stuck_days"),
    "inkind": ("event", "date_from", "date_to", "owner", "role", "sector", "tag"),
    "partners": ("event", "date_from", "date_to", "owner", "role", "sector", "tag"),
    "activity": ("event", "date_from", "date_to", "owner", "role", "sector", "stage", "tier", "tag"),
    "renewals": ("event", "compare", "owner", "role", "sector", "tag"),
}
#: Boards that always show one event (the next one, unless chosen).
EVENT_BOARDS = {"pipeline", "inkind", "renewals"}


#: Dates the dashboards accept: beyond them a typo (year 0001, 9999) would overflow date arithmetic.
EARLIEST_DATE, LATEST_DATE = datetime.date(1900, 1, 1), datetime.date(2200, 12, 31)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html in Python: ` name="value"`, bare ` name` for True, none for False."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


class PythonRenderedSelectMixin:
    """Django's select widget markup built in Python. Its templates (one include per option and per
    attribute list) cost ~9 ms for the dashboard filters' 70-odd options, a tenth of the page;
    this is the same HTML (tests/dashboards compare the two) at a tenth of the cost."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs(widget["attrs"])))]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class PythonRenderedSelect(PythonRenderedSelectMixin, forms.Select):
    pass


class PythonRenderedSelectMultiple(PythonRenderedSelectMixin, forms.SelectMultiple):
    pass


#: The plain widgets the filter fields come with, and their Python-rendered twins.
FAST_WIDGETS = {forms.Select: PythonRenderedSelect, forms.SelectMultiple: PythonRenderedSelectMultiple}


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            fast = FAST_WIDGETS.get(type(form_field.widget))
            if fast is not None:  # the same widget (choices, attributes), rendered in Python
                form_field.widget.__class__ = fast

    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(name, f"Choose a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.")
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class UserFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoiceField


def _users(request):
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class DaysFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class DashboardFilter(django_filters.FilterSet):
    """Validates dashboard GET parameters; `qs` is the filtered pledges of the chosen event."""

    event = django_filters.ModelChoiceFilter(
        label="Event", queryset=Event.objects.all(), empty_label="All events", method="filter_event"
    )
    compare = django_filters.ModelChoiceFilter(
        label="Compared with",
        queryset=Event.objects.all(),
        empty_label="The event before",
        method="filter_noop",
    )
    date_from = django_filters.DateFilter(
        label="From", method="filter_noop", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_noop", widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = UserFilter(label="Owner", queryset=_users, empty_label="Anyone", method="filter_noop")
    role = django_filters.ChoiceFilter(label="Role", choices=Role.choices, empty_label="Any role", method="filter_noop")
    sector = django_filters.ChoiceFilter(
        label="Sector", choices=Sector.choices, empty_label="Any sector", method="filter_noop"
    )
    stage = django_filters.MultipleChoiceFilter(
        label="Stage", choices=Stage.choices, method="filter_noop", widget=forms.SelectMultiple(attrs={"size": 4})
    )
    tier = django_filters.ModelChoiceFilter(
        label="Tier",
        queryset=SponsorshipTier.objects.select_related("event"),
        empty_label="Any tier",
        method="filter_noop",
    )
    tag = django_filters.ModelChoiceFilter(
        label="Tag", queryset=Tag.objects.all(), empty_label="Any tag", method="filter_noop"
    )
    stuck_days = DaysFilter(
        label="Stuck after (days)",
        method="filter_noop",
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"placeholder": "30"}),
    )

    class Meta:
        model = Pledge
        fields = []
        form = DashboardFilterForm

    def __init__(self, data=None, *args, board="pipeline", **kwargs):
        super().__init__(data, *args, **kwargs)
        self.board = board
        for name in list(self.filters):
            if name not in BOARD_FILTERS[board]:
                del self.filters[name]
        self._criteria = None

    def filter_event(self, queryset, name, value):
        return queryset

    def filter_noop(self, queryset, name, value):
        return queryset

    @property
    def qs(self):
        return pledge_queryset(self.criteria)

    @property
    def criteria(self) -> "Criteria":
        if self._criteria is None:
            # An invalid form shows its errors while the valid fields keep applying.
            self.form.is_valid()
            data = self.form.cleaned_data
            self._criteria = Criteria(
                board=self.board,
                event=data.get("event"),
                compare=data.get("compare"),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
                owner=data.get("owner"),
                role=data.get("role") or "",
                sector=data.get("sector") or "",
                stages=tuple(data.get("stage") or ()),
                tier=data.get("tier"),
                tag=data.get("tag"),
                stuck_days=data.get("stuck_days") or 30,
            )
        return self._criteria


def default_event(today: datetime.date | None = None):
    """The next event by date, or else the latest one (None when there are no events)."""
    today = today or timezone.localdate()
    # One query whatever the data: upcoming events first (soonest first), then past ones (latest first).
    return Event.objects.order_by(
        Case(When(date__gte=today, then=Value(0)), default=Value(1)),
        Case(When(date__gte=today, then=F("date"))).asc(nulls_last=True),
        F("date").desc(nulls_last=True),
        "name",
    ).first()


def build_filterset(params, board: str) -> DashboardFilter:
    """The bound FilterSet; the pipeline and in-kind boards fill in the default event."""
    data = params.copy()
    if board in EVENT_BOARDS and not data.get("event"):
        event = default_event()
        if event is not None:
            data["event"] = str(event.pk)
    filterset = DashboardFilter(data, board=board)
    filterset.form.fields.get("tier") and _limit_tiers(filterset)
    return filterset


def _limit_tiers(filterset):
    event_id = filterset.data.get("event")
    if event_id and str(event_id).isdigit():
        filterset.form.fields["tier"].queryset = SponsorshipTier.objects.filter(event_id=event_id)


@dataclass(frozen=True)
class Criteria:
    """The filters in force, cleaned."""

    board: str = "pipeline"
    event: Event | None = None
    #: The renewal board's earlier event (None: the one before `event` by date).
    compare: Event | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    owner: object = None
    role: str = ""
    sector: str = ""
    stages: tuple = ()
    tier: SponsorshipTier | None = None
    tag: Tag | None = None
    stuck_days: int = 30
    extra: dict = field(default_factory=dict)

    # -- date bounds as aware datetimes (local midnight), end exclusive --------------
    @property
    def start(self):
        return local_midnight(self.date_from) if self.date_from else None

    @property
    def end(self):
        return local_midnight(self.date_to + datetime.timedelta(days=1)) if self.date_to else None

    def datetime_q(self, field_name: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field_name}__lt": self.end})
        return q

    def date_q(self, field_name: str) -> Q:
        q = Q()
        if self.date_from:
            q &= Q(**{f"{field_name}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{field_name}__lte": self.date_to})
        return q

    @property
    def has_organisation_filters(self) -> bool:
        return bool(self.role or self.sector or self.tag)

    def organisation_q(self, prefix: str = "organisation__") -> Q:
        """Role, sector and tag, applied through a foreign key to Organisation."""
        q = Q()
        if self.role:
            q &= Q(**{f"{prefix}{Organisation.ROLE_FIELDS[Role(self.role)]}": True})
        if self.sector:
            q &= Q(**{f"{prefix}sector": self.sector})
        if self.tag:
            # A subquery, so the tag join cannot multiply rows under an aggregate.
            q &= Q(**{f"{prefix}in" if prefix else "pk__in": Organisation.objects.filter(tags=self.tag).values("pk")})
        return q

    def describe(self) -> list[str]:
        """The filters in force, in words, for the print view and saved views."""
        words = []
        if self.event is not None:
            when = f" ({self.event.date:%-d %B %Y})" if self.event.date else ""
            words.append(f"Event: {self.event.name}{when}")
        else:
            words.append("Event: all events")
        if self.compare is not None:
            words.append(f"Compared with: {self.compare.name}")
        if self.date_from or self.date_to:
            start = f"{self.date_from:%-d %b %Y}" if self.date_from else "the beginning"
            end = f"{self.date_to:%-d %b %Y}" if self.date_to else "today"
            words.append(f"Dates: {start} to {end}")
        if self.owner is not None:
            words.append(f"Owner: {self.owner.get_full_name() or self.owner.username}")
        if self.role:
            words.append(f"Role: {Role(self.role).label}")
        if self.sector:
            words.append(f"Sector: {Sector(self.sector).label}")
        if self.stages:
            words.append("Stage: " + ", ".join(Stage(s).label for s in self.stages))
        if self.tier is not None:
            words.append(f"Tier: {self.tier.name}")
        if self.tag is not None:
            words.append(f"Tag: {self.tag.name}")
        if len(words) == 1 and self.event is not None:
            words.append("No other filters")
        return words


def local_midnight(day: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def pledge_queryset(criteria: Criteria, *, created_in_range: bool = True, prefix: str = ""):
    """Pledges matching the filters (used directly, or via `prefix` from a related model)."""
    return Pledge.objects.filter(pledge_q(criteria, created_in_range=created_in_range, prefix=prefix))


def pledge_q(criteria: Criteria, *, created_in_range: bool = True, prefix: str = "") -> Q:
    q = Q()
    if criteria.event is not None:
        q &= Q(**{f"{prefix}event": criteria.event})
    if criteria.owner is not None:
        q &= Q(**{f"{prefix}owner": criteria.owner})
    if criteria.stages:
        q &= Q(**{f"{prefix}stage__in": criteria.stages})
    if criteria.tier is not None:
        q &= Q(**{f"{prefix}tier": criteria.tier})
    q &= criteria.organisation_q(f"{prefix}organisation__")
    if created_in_range:
        q &= criteria.datetime_q(f"{prefix}created_at")
    return q
