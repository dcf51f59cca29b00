"""The activity dashboard: who is being contacted, who is not, and what is overdue."""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from crm.links import detail_url
from crm.models import FollowUp, Interaction, Organisation
from dashboards import charts, interaction_days
from dashboards.boards.base import Board, Column, Figure, Section, Table, name_from_values, page_rows, person_name
from dashboards.filters import Criteria, local_midnight, pledge_q
from sponsors.models import OPEN_STAGES, Pledge

DEFAULT_WEEKS = 12
#: (label, at least this many days since the last contact, fewer than this many).
#: Each organisation's latest interaction, kept on PostgreSQL (migration 0003).
LAST_CONTACT = "dashboards_organisation_contact"
BUCKETS = (("30–59 days", 30, 60), ("60–89 days", 60, 90), ("90 days or more", 90, None))
OVERDUE_LIMIT = 50


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def period(criteria: Criteria, today=None) -> tuple[datetime.date, datetime.date]:
    """The date range, or the last 12 weeks (whole weeks, this one included)."""
    today = today or timezone.localdate()
    end = criteria.date_to or today
    start = criteria.date_from or (week_start(end) - datetime.timedelta(weeks=DEFAULT_WEEKS - 1))
    return start, end


def interactions(criteria: Criteria):
    """Interactions matching every filter but the date range (each query sets its own)."""
    qs = Interaction.objects.all()
    if criteria.owner is not None:
        qs = qs.filter(logged_by=criteria.owner)
    if criteria.has_organisation_filters:
        orgs = Organisation.objects.filter(criteria.organisation_q("")).values("pk")
        qs = qs.filter(Q(organisation__in=orgs) | Q(organisation__isnull=True, contact__organisation__in=orgs))
    return qs


#: Weeks per query: SQLite allows at most 500 SELECTs in one compound statement.
WEEKS_PER_QUERY = 200


def weekly(criteria: Criteria, start, end) -> tuple[list, dict, dict, dict]:
    """Interactions per week, by kind and by who logged them.

    One grouped SELECT per week (local-midnight boundaries), joined by UNION ALL into
    one query; each reads just its week's index range (no other date condition may sit
    beside it, or SQLite picks that range and scans the whole period every week).
    Labelling every row with its week in SQL (a CASE over the boundaries) cost 200 ms
    at 125,000 interactions in twelve weeks. COUNT(*), not COUNT(id): the (occurred_at,
    kind, logged_by) index then answers each week alone on PostgreSQL (an index-only scan),
    where counting ids fetched every row from the table (160 ms against 50 ms).

    On PostgreSQL, without organisation filters, the counts per day its triggers keep answer
    instead (dashboards.interaction_days): ~2,500 rows for twelve weeks, not ~126,000.
    """
    weeks = []
    week = week_start(start)
    while week <= end:
        weeks.append(week)
        week += datetime.timedelta(weeks=1)
    bounds = week_bounds(weeks, start, end)
    rows = None
    if weeks and not criteria.has_organisation_filters:
        rows = interaction_days.weekly_counts(weeks[0], start, end, criteria.owner.pk if criteria.owner else None)
    if rows is None:
        rows = []
        for chunk in range(0, len(bounds), WEEKS_PER_QUERY):
            rows.extend(
                _weekly_counts(interactions(criteria).order_by(), bounds[chunk : chunk + WEEKS_PER_QUERY], chunk)
            )
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={r["logged_by"] for r in rows} - {None})}
    by_kind = defaultdict(lambda: defaultdict(int))
    by_owner = defaultdict(lambda: defaultdict(int))
    owner_names = {}
    for row in rows:
        wk = weeks[row["week_number"]]
        by_kind[row["kind"]][wk] += row["n"]
        user = users.get(row["logged_by"])
        key = user.username if user else ""
        owner_names[key] = person_name(user) if user else "Nobody recorded"
        by_owner[key][wk] += row["n"]
    return weeks, by_kind, by_owner, owner_names


#: Stand-ins compiled into the one week's SELECT that every week's copy of it replaces.
_LOWER, _UPPER = (datetime.datetime(1901, 1, day, tzinfo=datetime.UTC) for day in (1, 2))
_WEEK = -7_654_321


def week_bounds(weeks: list[datetime.date], start: datetime.date, end: datetime.date) -> list[tuple]:
    """Each week's (lower, upper) local-midnight bounds, cut to the period: its first and last
    weeks may be partial (a period from a Wednesday counts its first week from that Wednesday)."""
    first, stop = local_midnight(start), local_midnight(end + datetime.timedelta(days=1))
    return [
        (max(local_midnight(wk), first), min(local_midnight(wk + datetime.timedelta(weeks=1)), stop)) for wk in weeks
    ]


def _weekly_counts(base, bounds: list, first_week: int) -> list[dict]:
    """Count `base` by kind and logger for each (lower, upper) range, in one UNION ALL query.

    The ORM compiles one week's grouped SELECT, with stand-in bounds and week number; every week
    is that SQL again with its own parameters. Building and compiling a queryset per week, as
    `.union()` needs, cost more Python than the rest of the board's tables (6 of 34 ms).
    """
    template = (
        base.filter(occurred_at__gte=_LOWER, occurred_at__lt=_UPPER)
        .values("kind", "logged_by")
        .annotate(week_number=Value(_WEEK), n=Count("*"))
    )
    sql, params = template.query.sql_with_params()
    adapt = connection.ops.adapt_datetimefield_value
    marks = {adapt(_LOWER): 0, adapt(_UPPER): 1, _WEEK: 2}
    slots = [
        (i, marks[param])
        for i, param in enumerate(params)
        if isinstance(param, (str, int, datetime.datetime)) and not isinstance(param, bool) and param in marks
    ]
    assert sorted(kind for _, kind in slots) == [0, 1, 2], "each stand-in appears once in the SQL"
    part = f"({sql})" if connection.features.supports_parentheses_in_compound else sql
    all_params = []
    for number, (lower, upper) in enumerate(bounds, start=first_week):
        values = (adapt(lower), adapt(upper), number)
        week_params = list(params)
        for i, kind in slots:
            week_params[i] = values[kind]
        all_params.extend(week_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([part] * len(bounds)), all_params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def not_contacted(criteria: Criteria, now=None) -> list[dict]:
    """Organisations with an open pledge and no interaction for 30 days or more (or ever),
    longest first, with their last contact (direct, or through one of their contacts)."""
    now = now or timezone.now()
    org_url = detail_url("crm:organisation_detail")
    cutoff = now - datetime.timedelta(days=30)
    stages = [s for s in OPEN_STAGES if not criteria.stages or s in criteria.stages]
    open_orgs = Pledge.objects.filter(pledge_q(criteria, created_in_range=False), stage__in=stages).values(
        "organisation"
    )
    if connection.vendor == "postgresql":
        rows = _stale_organisations_postgresql(open_orgs, cutoff)
    else:
        rows = _stale_organisations(open_orgs, cutoff)
    out = []
    tz = timezone.get_current_timezone()  # once: looking it up per row was a tenth of the page's time
    for pk, name, last_contact, username, first_name, last_name in rows:
        days = (now - last_contact).days if last_contact else None
        out.append(
            {
                "organisation": name,
                "owner": name_from_values(username, first_name, last_name),
                "bucket": _bucket(days),
                "last_contact": last_contact.astimezone(tz).date() if last_contact else None,
                "days": days,
                "_url": org_url(pk),
                "_pk": pk,
            }
        )
    out.sort(key=lambda r: (-(r["days"] if r["days"] is not None else 10**6), r["organisation"], r["_pk"]))
    return out


def _bucket(days: int | None) -> str:
    """The BUCKETS label for this many days since the last contact (None: never contacted)."""
    if days is None:
        return BUCKETS[-1][0]
    return next(label for label, low, high in BUCKETS if days >= low and (high is None or days < high))


def _stale_organisations(open_orgs, cutoff):
    """(pk, name, last contact, owner's username, first and last name) of the stale organisations.

    Those with an interaction in the last 30 days drop out first (NOT EXISTS, one index
    seek each); only the rest get their last contact looked up, by two subqueries on an
    (…, occurred_at) index — an OR across the contact join would scan every interaction
    for every organisation. SQLite's way; PostgreSQL has its own below.
    """
    direct = Interaction.objects.filter(organisation=OuterRef("pk"))
    via_contact = Interaction.objects.filter(contact__organisation=OuterRef("pk"))
    latest_direct = Subquery(direct.order_by("-occurred_at").values("occurred_at")[:1])
    latest_via_contact = Subquery(via_contact.order_by("-occurred_at").values("occurred_at")[:1])
    return (
        Organisation.objects.filter(pk__in=open_orgs)
        .exclude(Exists(direct.filter(occurred_at__gte=cutoff)))
        .exclude(Exists(via_contact.filter(occurred_at__gte=cutoff)))
        .annotate(
            last_contact=Greatest(
                Coalesce(latest_direct, latest_via_contact), Coalesce(latest_via_contact, latest_direct)
            )
        )
        .values_list("pk", "name", "last_contact", "owner__username", "owner__first_name", "owner__last_name")
    )


def _stale_organisations_postgresql(open_orgs, cutoff):
    """The same rows as `_stale_organisations`, from each organisation's latest interaction as
    PostgreSQL's triggers keep it (migration 0003): the stale ones come from one index and are
    then checked for an open pledge, one seek each into the open pledges' partial index.

    Looked up, as before, for each of the ~11,700 organisations with an open pledge at the large
    dataset (a seek for a recent interaction with it, then with its people): 50 ms of SQL.
    """
    quote = connection.ops.quote_name
    organisation, user = (quote(model._meta.db_table) for model in (Organisation, get_user_model()))
    open_sql, open_params = open_orgs.order_by().values_list("organisation_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, o.name, a.last_at, u.username, u.first_name, u.last_name "
            f"FROM {LAST_CONTACT} a JOIN {organisation} o ON o.id = a.organisation_id "
            f"LEFT JOIN {user} u ON u.id = o.owner_id "
            f"WHERE (a.last_at IS NULL OR a.last_at < %s) AND a.organisation_id IN ({open_sql})",
            [cutoff, *open_params],
        )
        return cursor.fetchall()


def overdue(criteria: Criteria, today=None):
    qs = FollowUp.objects.overdue(today)
    if criteria.owner is not None:
        qs = qs.filter(assignee=criteria.owner)
    if criteria.has_organisation_filters:
        qs = qs.filter(criteria.organisation_q())
    return qs


def overdue_by_assignee(overdue_qs) -> list[dict]:
    """How many follow-ups are overdue per assignee, and the oldest due date, with the assignee's
    names: grouped by assignee id from the (assignee, status, due date) index alone, then joined to
    the few users (grouping by the joined names read and hashed every row: 5 against 1 ms)."""
    grouped_sql, params = (
        overdue_qs.order_by()
        .values("assignee_id")
        .annotate(n=Count("*"), oldest=Min("due_date"))
        .query.sql_with_params()
    )
    user = connection.ops.quote_name(get_user_model()._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT u.username, u.first_name, u.last_name, g."n", g."oldest" FROM ({grouped_sql}) g '
            f'LEFT JOIN {user} u ON u.id = g."assignee_id"',
            params,
        )
        rows = cursor.fetchall()
    keys = ("assignee__username", "assignee__first_name", "assignee__last_name", "n", "oldest")
    # SQLite hands back the MIN of a date column as text.
    return [{**dict(zip(keys, row)), "oldest": _as_date(row[4])} for row in rows]


def _as_date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def build(criteria: Criteria, now=None) -> Board:
    now = now or timezone.now()
    org_url = detail_url("crm:organisation_detail")
    today = timezone.localtime(now).date()
    start, end = period(criteria, today)
    weeks, by_kind, by_owner, owner_names = weekly(criteria, start, end)
    labels = [f"{w:%-d %b}" for w in weeks]
    total = sum(sum(v.values()) for v in by_kind.values())
    stale = not_contacted(criteria, now)
    overdue_qs = overdue(criteria, today)
    by_assignee = overdue_by_assignee(overdue_qs)
    overdue_items = list(
        overdue_qs.select_related("assignee", "organisation").order_by("due_date", "pk")[:OVERDUE_LIMIT]
    )

    board = Board("activity", "Activity")
    board.figures = [
        Figure("Interactions", total, "int", key="interactions", note=f"{start:%-d %b} to {end:%-d %b %Y}"),
        Figure(
            "Not contacted for 30+ days",
            len(stale),
            "int",
            key="not_contacted",
            note="organisations with an open pledge",
        ),
        Figure("Overdue follow-ups", sum(r["n"] for r in by_assignee), "int", key="overdue"),
    ]
    board.context.update(weeks=weeks, by_kind=by_kind, by_owner=by_owner, stale=stale, by_assignee=by_assignee)

    kinds = [k for k in Interaction.Kind if by_kind.get(k.value)]
    rows = [{"week": w, **{k.value: by_kind[k.value].get(w, 0) for k in kinds}} for w in weeks]
    for row in rows:
        row["total"] = sum(row[k.value] for k in kinds)
    traces = [
        charts.bar(labels, [r[k.value] for r in rows], name=k.label, color=charts.PALETTE[i % 10], money=False)
        for i, k in enumerate(kinds)
    ]
    board.sections.append(
        Section(
            "Interactions per week by kind",
            Table(
                "by-kind",
                "Interactions per week by kind",
                [Column("week", "Week of", "date")]
                + [Column(k.value, k.label, "int") for k in kinds]
                + [Column("total", "Total", "int")],
                rows if total else [],
                empty="No interactions in this period.",
            ),
            charts.render(charts.figure(traces, barmode="stack"), "chart-kind", label="Interactions per week by kind")
            if total
            else "",
            wide=True,
        )
    )

    owners = sorted(by_owner, key=lambda k: owner_names[k].lower())
    rows = [{"week": w, **{o: by_owner[o].get(w, 0) for o in owners}} for w in weeks]
    traces = [
        charts.line(labels, [r[o] for r in rows], name=owner_names[o], color=charts.PALETTE[i % 10], money=False)
        for i, o in enumerate(owners)
    ]
    board.sections.append(
        Section(
            "Interactions per week by owner",
            Table(
                "by-owner",
                "Interactions per week by owner",
                [Column("week", "Week of", "date")] + [Column(o, owner_names[o], "int") for o in owners],
                rows if total else [],
                empty="No interactions in this period.",
            ),
            charts.render(charts.figure(traces), "chart-owner", label="Interactions per week by owner")
            if total
            else "",
            wide=True,
        )
    )

    bucket_rows = [{"bucket": label, "count": sum(1 for r in stale if r["bucket"] == label)} for label, _, _ in BUCKETS]
    board.sections.append(
        Section(
            "Open pledges not contacted",
            Table(
                "not-contacted-summary",
                "Organisations with an open pledge not contacted",
                [Column("bucket", "Not contacted for"), Column("count", "Organisations", "int")],
                bucket_rows,
            ),
            charts.render(
                charts.figure(
                    [
                        charts.bar(
                            [r["bucket"] for r in bucket_rows],
                            [r["count"] for r in bucket_rows],
                            color="#fd7e14",
                            money=False,
                        )
                    ],
                    showlegend=False,
                    height=260,
                ),
                "chart-stale",
                label="Organisations not contacted",
            )
            if stale
            else "",
            note="Organisations with an open pledge; “90 days or more” includes never contacted.",
        )
    )

    assignee_rows = [
        {
            "assignee": (
                name_from_values(r["assignee__username"], r["assignee__first_name"], r["assignee__last_name"])
                or "Unassigned"
            ),
            "count": r["n"],
            "oldest": r["oldest"],
        }
        for r in by_assignee
    ]
    assignee_rows.sort(key=lambda r: (-r["count"], r["assignee"]))
    board.sections.append(
        Section(
            "Overdue follow-ups by assignee",
            Table(
                "overdue-by-assignee",
                "Overdue follow-ups by assignee",
                [
                    Column("assignee", "Assignee"),
                    Column("count", "Overdue", "int"),
                    Column("oldest", "Oldest due", "date"),
                ],
                assignee_rows,
                empty="No overdue follow-ups. Well done.",
            ),
            charts.render(
                charts.figure(
                    [
                        charts.bar(
                            [r["assignee"] for r in assignee_rows],
                            [r["count"] for r in assignee_rows],
                            color="#dc3545",
                            money=False,
                        )
                    ],
                    showlegend=False,
                    height=260,
                ),
                "chart-overdue",
                label="Overdue follow-ups by assignee",
            )
            if assignee_rows
            else "",
        )
    )

    board.sections.append(
        Section(
            "Not contacted: the list",
            Table(
                "not-contacted",
                "Not contacted",
                [
                    Column("organisation", "Organisation"),
                    Column("owner", "Owner"),
                    Column("bucket", "Not contacted for"),
                    Column("last_contact", "Last contact", "date"),
                ],
                **page_rows(stale, criteria),
                empty="Every organisation with an open pledge was contacted in the last 30 days.",
                link_column="organisation",
            ),
        )
    )
    board.sections.append(
        Section(
            "Overdue follow-ups",
            Table(
                "overdue",
                "Overdue follow-ups",
                [
                    Column("due", "Due", "date"),
                    Column("title", "What"),
                    Column("assignee", "Assignee"),
                    Column("organisation", "Organisation"),
                ],
                [
                    {
                        "due": f.due_date,
                        "title": f.title,
                        "assignee": person_name(f.assignee),
                        "organisation": f.organisation.name if f.organisation else "",
                        "_url": org_url(f.organisation_id) if f.organisation_id else None,
                    }
                    for f in overdue_items
                ],
                empty="No overdue follow-ups.",
                link_column="organisation",
            ),
            note=f"The {OVERDUE_LIMIT} oldest." if len(overdue_items) == OVERDUE_LIMIT else "",
        )
    )
    return board
