from crm.roles import role_of


def navigation(request):
    """The signed-in user's role and open follow-up count for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from crm.models import FollowUp

    overdue = FollowUp.objects.overdue().filter(assignee=user).count() if user.has_perm("crm.view_followup") else 0
    return {"user_role": role_of(user), "nav_overdue_count": overdue}
