"""The sponsor's pages: a personal token in the URL, no account. Opened to anonymous visitors
only through crm/urls.py's `open_without_account` list."""

from django.urls import path

from portal import views

app_name = "sponsor_portal"

urlpatterns = [
    path("portal/<int:pledge_id>/<str:token>/", views.sponsor_page, name="page"),
    path("portal/<int:pledge_id>/<str:token>/sign/", views.sponsor_sign, name="sign"),
    path("portal/<int:pledge_id>/<str:token>/billing/", views.sponsor_billing, name="billing"),
    path("portal/<int:pledge_id>/<str:token>/details/", views.sponsor_details, name="details"),
    path("portal/<int:pledge_id>/<str:token>/logo/", views.sponsor_logo, name="logo"),
    path("portal/<int:pledge_id>/<str:token>/logo/<int:logo_id>/", views.sponsor_logo_file, name="logo_file"),
    path("portal/<int:pledge_id>/<str:token>/guests/", views.sponsor_guests, name="guests"),
    path("portal/<int:pledge_id>/<str:token>/agreement.pdf", views.sponsor_agreement_pdf, name="agreement_pdf"),
    path("portal/<int:pledge_id>/<str:token>/invoices/<str:number>.pdf", views.sponsor_invoice_pdf, name="invoice_pdf"),
]
