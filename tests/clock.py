"""The moments a test marked `clock` runs at, under a frozen clock (time-machine).

Whatever reads today's date must hold on any weekday, either side of local midnight and on
both nights the UK's clocks change. A test marked `@pytest.mark.clock` runs once at each
moment below (tests/conftest.py parametrises it); the clock then ticks from that moment, so
a test's own waits still pass. Moments are UTC instants, named by their local time.
"""

import datetime
import zoneinfo

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC


def _local(text: str, fold: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=LONDON, fold=fold).astimezone(UTC)


def _weekday_midnights() -> dict[str, datetime.datetime]:
    """A minute before and after local midnight on each day of a winter week (GMT) and of a
    summer week (BST, when local midnight is 23:00 UTC the day before)."""
    moments = {}
    for first_monday in ("2027-01-11", "2027-06-14"):
        monday = datetime.date.fromisoformat(first_monday)
        for offset in range(7):
            day = monday + datetime.timedelta(days=offset)
            midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=LONDON)
            name = f"{day:%a-%Y-%m-%d}"
            moments[f"{name}-23:59"] = (
                midnight + datetime.timedelta(days=1) - datetime.timedelta(minutes=1)
            ).astimezone(UTC)
            moments[f"{name}-00:01"] = (midnight + datetime.timedelta(minutes=1)).astimezone(UTC)
    return moments


#: Name → UTC instant.
MOMENTS: dict[str, datetime.datetime] = {
    **_weekday_midnights(),
    # Clocks go forward at 01:00 GMT on Sunday 28 March 2027: 01:00–01:59 never happens.
    "spring-2027-03-27-23:59-GMT": _local("2027-03-27T23:59"),
    "spring-2027-03-28-00:59-GMT": _local("2027-03-28T00:59"),
    "spring-2027-03-28-02:01-BST": _local("2027-03-28T02:01"),
    # Clocks go back at 02:00 BST on Sunday 31 October 2027: 01:00–01:59 happens twice.
    "autumn-2027-10-30-23:59-BST": _local("2027-10-30T23:59"),
    "autumn-2027-10-31-00:01-BST": _local("2027-10-31T00:01"),
    "autumn-2027-10-31-01:59-BST": _local("2027-10-31T01:59", fold=0),
    "autumn-2027-10-31-01:30-GMT": _local("2027-10-31T01:30", fold=1),
    "autumn-2027-10-31-23:59-GMT": _local("2027-10-31T23:59"),
}

#: A smaller set for the PostgreSQL run: each clock change and one midnight of each season.
ESSENTIAL = [
    "Sun-2027-01-17-23:59",
    "Mon-2027-06-14-00:01",
    "spring-2027-03-28-00:59-GMT",
    "spring-2027-03-28-02:01-BST",
    "autumn-2027-10-31-01:59-BST",
    "autumn-2027-10-31-01:30-GMT",
]
