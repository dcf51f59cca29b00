from crm.views.pages import PlaceholderView


class PledgesPlaceholder(PlaceholderView):
    permission_required = "sponsors.view_pledge"
    title = "Pledges"
    coming = "Pledges by stage as a pipeline board, with create, edit and stage moves."


class InKindPlaceholder(PlaceholderView):
    permission_required = "sponsors.view_inkindcontribution"
    title = "In-kind contributions"
    coming = "Venue space, catering and other offers, moving from offered to confirmed to delivered."
