from crm.roles import role_of
from crm.version import VERSION


def navigation(request):
    """The signed-in user's role and overdue follow-up count for the navigation bar.

    Computed once per request and kept on it: tables that render cells with the
    request would otherwise run these queries again for every row.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_crm_navigation", None)
    if cached is None:
        from crm.models import FollowUp

        can_see = user.has_perm("crm.view_followup")
        overdue = FollowUp.objects.overdue().filter(assignee=user).count() if can_see else 0
        cached = request._crm_navigation = {"user_role": role_of(user), "nav_overdue_count": overdue}
    return cached


def version(request):
    """The project's version, for the footer."""
    return {"crm_version": VERSION}
