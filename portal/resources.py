"""The guest list export (django-import-export): every text cell through crm.cells.safe_text, so
a guest named "=HYPERLINK(...)" opens as text in Excel, not as a formula."""

from django.http import HttpResponse
from import_export import fields, resources

from crm.cells import safe_text
from portal.models import Guest


class GuestResource(resources.ModelResource):
    sponsor = fields.Field(column_name="Sponsor")
    name = fields.Field(column_name="Name")
    email = fields.Field(column_name="Email")
    dietary = fields.Field(column_name="Dietary needs")
    access = fields.Field(column_name="Access needs")

    class Meta:
        model = Guest
        fields = ("sponsor", "name", "email", "dietary", "access")
        export_order = ("sponsor", "name", "email", "dietary", "access")

    def dehydrate_sponsor(self, guest):
        return safe_text(guest.pledge.organisation.name)

    def dehydrate_name(self, guest):
        return safe_text(guest.name)

    def dehydrate_email(self, guest):
        return safe_text(guest.email)

    def dehydrate_dietary(self, guest):
        return safe_text(guest.dietary)

    def dehydrate_access(self, guest):
        return safe_text(guest.access)


def export_response(dataset, file_format: str, name: str) -> HttpResponse:
    if file_format == "xlsx":
        response = HttpResponse(
            dataset.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
