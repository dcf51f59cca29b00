import django_tables2 as tables

from crm.models import Organisation


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True)
    roles = tables.Column(accessor="role_labels", orderable=False, verbose_name="Roles")
    owner = tables.Column(accessor="owner__username", verbose_name="Owner")

    class Meta:
        model = Organisation
        fields = ["name", "roles", "sector", "city", "owner"]
        empty_text = "No organisations yet."

    def render_roles(self, value):
        return ", ".join(value)
