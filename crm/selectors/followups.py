"""Reads for the follow-up page, the reminder digest and the calendar feed."""

import datetime
from dataclasses import dataclass, field

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone

from crm.models import FollowUp
from crm.roles import COMMITTEE, ORGANISER

#: Related rows every follow-up row shows; one query for any number of rows.
RELATED = (
    "organisation",
    "contact",
    "assignee",
    "pledge",
    "pledge__organisation",
    "pledge__event",
    "favour",
)

GROUPS = (("overdue", "Overdue"), ("today", "Today"), ("week", "This week"), ("later", "Later"))


def followups_with_related(queryset=None):
    return (queryset if queryset is not None else FollowUp.objects.all()).select_related(*RELATED)


def load_related(followups) -> None:
    """Fetch the related rows of already-fetched follow-ups: one query per relation for the whole page.

    The follow-up page's five lists fetch their rows bare and share this: with the seven joins
    in each list's query PostgreSQL spent ~13 ms planning every one, and joined every matching
    follow-up before keeping the first twenty.
    """
    prefetch_related_objects(list(followups), *RELATED)


def can_see_everyones(user) -> bool:
    """Organisers and committee may look at everyone's follow-ups; staff see only their own."""
    if not user.is_authenticated or not user.has_perm("crm.view_followup"):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_can_see_everyones_followups", None)
    if cached is None:
        cached = user.groups.filter(name__in=[ORGANISER, COMMITTEE]).exists()
        user._can_see_everyones_followups = cached
    return cached


def _assignee_choices():
    from crm.services.followups import assignable_users

    return assignable_users()


class FollowUpListFilter(django_filters.FilterSet):
    """The filter state of the follow-up page (kept in the URL): whose, and which assignee."""

    who = django_filters.ChoiceFilter(
        label="Show",
        choices=(("mine", "Mine"), ("all", "Everyone's")),
        method="filter_who",
        empty_label=None,
    )
    assignee = django_filters.ModelChoiceFilter(
        label="Assignee",
        queryset=lambda request: _assignee_choices(),
        empty_label="Anyone",
    )

    class Meta:
        model = FollowUp
        fields = ["who", "assignee"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        self.user = user
        data = data.copy() if data is not None else {}
        if not data.get("who"):
            data["who"] = "mine"
        super().__init__(data, *args, **kwargs)
        if user is None or not can_see_everyones(user):
            self.filters.pop("assignee", None)
            self.form.fields.pop("assignee", None)
        for form_field in self.form.fields.values():
            form_field.widget.attrs["class"] = "form-select"

    @property
    def shows_everyone(self) -> bool:
        """Everyone's when asked for (who=all) or when a particular assignee is picked."""
        if self.user is None or not can_see_everyones(self.user) or not self.form.is_valid():
            return False
        data = self.form.cleaned_data
        return data.get("who") == "all" or data.get("assignee") is not None

    def show_assignees(self, people) -> None:
        """Offer these users in the assignee picker, already fetched for the rows' "Reassign to"
        lists: asking again cost a second query, mostly PostgreSQL planning its permission joins."""
        field = self.form.fields.get("assignee")
        if field is not None:
            field.widget.choices = [("", field.empty_label)] + [
                (person.pk, field.label_from_instance(person)) for person in people
            ]

    def filter_who(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which also sees the assignee choice

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.shows_everyone:
            queryset = queryset.filter(assignee=self.user)
        return queryset


@dataclass
class FollowUpGroup:
    key: str
    label: str
    items: list = field(default_factory=list)
    total: int | None = None  # when only the first items are shown

    @property
    def count(self) -> int:
        return len(self.items) if self.total is None else self.total

    @property
    def has_more(self) -> bool:
        return self.count > len(self.items)

    def __len__(self):
        return len(self.items)


def group_by_due(followups, today: datetime.date | None = None) -> list[FollowUpGroup]:
    """Split open follow-ups into Overdue / Today / This week (next 7 days) / Later, by due date."""
    today = today or timezone.localdate()
    groups = {key: FollowUpGroup(key, label) for key, label in GROUPS}
    week_end = today + datetime.timedelta(days=7)
    for followup in followups:
        if followup.due_date < today:
            key = "overdue"
        elif followup.due_date == today:
            key = "today"
        elif followup.due_date <= week_end:
            key = "week"
        else:
            key = "later"
        groups[key].items.append(followup)
    return [groups[key] for key, _ in GROUPS]


def _group_ranges(today):
    week_end = today + datetime.timedelta(days=7)
    return {
        "overdue": Q(due_date__lt=today),
        "today": Q(due_date=today),
        "week": Q(due_date__gt=today, due_date__lte=week_end),
        "later": Q(due_date__gt=week_end),
    }


def open_followup_groups(queryset, today=None, *, limit=20, expand="") -> list[FollowUpGroup]:
    """The groups of "My follow-ups", each showing its first `limit` items (all for `expand`,
    up to ten times as many) with the true count: five queries whatever the number of follow-ups.
    The items come bare: `load_related` fetches their organisations, contacts… for the whole page."""
    today = today or timezone.localdate()
    open_items = queryset.filter(status=FollowUp.Status.OPEN)
    ranges = _group_ranges(today)
    totals = open_items.aggregate(**{key: Count("pk", filter=condition) for key, condition in ranges.items()})
    groups = []
    for key, label in GROUPS:
        cap = limit * 10 if key == expand else limit
        items = list(open_items.filter(ranges[key]).order_by("due_date", "id")[:cap])
        for item in items:
            item.relative_due = relative_due(item.due_date, today)
        groups.append(FollowUpGroup(key, label, items, total=totals[key]))
    return groups


def relative_due(due_date: datetime.date, today: datetime.date | None = None) -> str:
    """'3 days overdue', 'due today', 'due tomorrow', 'due in 5 days'."""
    days = (due_date - (today or timezone.localdate())).days
    if days < 0:
        n = -days
        return f"{n} day{'s' if n != 1 else ''} overdue"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days"


def recently_completed(queryset, today: datetime.date | None = None, days: int = 7):
    """Follow-ups marked done in the last `days` days, newest first (related rows not loaded)."""
    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min))
    return queryset.filter(status=FollowUp.Status.DONE, completed_at__gte=since).order_by("-completed_at", "-id")


def recently_completed_page(queryset, today: datetime.date | None = None, *, limit: int = 20):
    """The latest `limit` recently completed follow-ups and how many there are in all (at scale a
    busy organiser completes hundreds a week; the page lists a few and says how many)."""
    completed = recently_completed(queryset, today)
    return list(completed[:limit]), completed.count()


def due_for_reminder(today: datetime.date):
    """Open follow-ups overdue or due on `today`, for active users with an email, grouped by assignee.

    Chasing someone marked do-not-contact is exactly what the flag forbids, so those are left out.
    """
    User = get_user_model()
    users = User.objects.filter(is_active=True).exclude(email="")
    return (
        followups_with_related(FollowUp.objects.open())
        .filter(due_date__lte=today, assignee__in=users)
        .exclude(contact__do_not_contact=True)
        .order_by("assignee_id", "due_date", "id")
    )


def calendar_followups(user):
    """Open follow-ups for a user's private calendar: only those assigned to them, whatever the role,
    so a leaked feed URL exposes one person's list and nobody else's."""
    return followups_with_related(FollowUp.objects.open()).filter(assignee=user).order_by("due_date", "id")


def attach_links(followups) -> None:
    """Give each follow-up its row's URLs (`links`) and assignee's name, each URL reversed once for
    the whole list: My follow-ups shows up to a hundred rows of eight links each."""
    from crm.links import detail_url

    urls = {name: detail_url(f"crm:followup_{name}") for name in ("update", "complete", "snooze", "reassign")}
    organisation_url, contact_url = detail_url("crm:organisation_detail"), detail_url("crm:contact_detail")
    pledge_url = detail_url("sponsors:pledge_detail")
    for followup in followups:
        followup.links = {name: url(followup.pk) for name, url in urls.items()}
        followup.links["organisation"] = organisation_url(followup.organisation_id) if followup.organisation_id else ""
        followup.links["contact"] = contact_url(followup.contact_id) if followup.contact_id else ""
        followup.links["pledge"] = pledge_url(followup.pledge_id) if followup.pledge_id else ""
        # A favour's page is its organisation's (Favour.get_absolute_url).
        followup.links["favour"] = organisation_url(followup.favour.organisation_id) if followup.favour_id else ""
        assignee = followup.assignee
        followup.assignee_name = (assignee.get_full_name() or assignee.username) if assignee else ""
