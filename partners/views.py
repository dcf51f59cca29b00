from crm.views.pages import PlaceholderView


class PartnersPlaceholder(PlaceholderView):
    permission_required = "partners.view_partnerprofile"
    title = "Partners and favours"
    coming = "Suppliers and training providers, the favours ledger and what we still owe."
