"""Saved dashboard views: a name for a filter state, private or shared."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict

from dashboards.filters import BOARD_FILTERS
from dashboards.models import SavedView

#: URL name → board, for every page a saved view may point at.
DASHBOARD_URLS = {
    "dashboards:dashboard": "pipeline",
    "dashboards:dashboard_inkind": "inkind",
    "dashboards:dashboard_partners": "partners",
    "dashboards:dashboard_activity": "activity",
    "dashboards:dashboard_renewals": "renewals",
}


def clean_query_string(board: str, query_string: str) -> str:
    """Keep only the board's filter parameters, non-empty, in a stable order."""
    params = QueryDict((query_string or "").lstrip("?")[:4000])
    kept = QueryDict(mutable=True)
    for name in BOARD_FILTERS[board]:
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def visible_to(user, url_name: str):
    return (
        SavedView.objects.filter(url_name=url_name)
        .filter(Q(owner=user) | Q(shared=True))
        .select_related("owner")
        .order_by("name", "pk")
    )


@transaction.atomic
def save_view(*, user, name: str, url_name: str, query_string: str, shared: bool = False) -> SavedView:
    """Create a saved view, or update the user's view of the same name on the same page."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if url_name not in DASHBOARD_URLS:
        raise ValidationError({"url_name": "Views can be saved only for dashboards."})
    view, _ = SavedView.objects.update_or_create(
        owner=user,
        url_name=url_name,
        name=name[:100],
        defaults={"query_string": clean_query_string(DASHBOARD_URLS[url_name], query_string), "shared": shared},
    )
    return view


@transaction.atomic
def delete_view(view: SavedView) -> None:
    view.delete()
