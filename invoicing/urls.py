from django.urls import path

from invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/settings/", views.NetworkDetailsView.as_view(), name="network_details"),
    path("invoices/<str:number>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<str:number>/pdf/", views.InvoicePDFView.as_view(), name="invoice_pdf"),
    path("invoices/<str:number>/payments/new/", views.RecordPaymentView.as_view(), name="payment_create"),
    path("invoices/<str:number>/credit-notes/new/", views.CreditNoteCreateView.as_view(), name="credit_note_create"),
    path("credit-notes/<str:number>/pdf/", views.CreditNotePDFView.as_view(), name="credit_note_pdf"),
    path("pledges/<int:pk>/agreement.pdf", views.AgreementPDFView.as_view(), name="agreement_pdf"),
    path("pledges/<int:pk>/invoice/new/", views.RaiseInvoiceView.as_view(), name="invoice_create"),
]
