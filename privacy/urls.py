"""Personal data: subject access exports, erasure and the retention report."""

from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("contacts/<int:pk>/subject-access/", views.SubjectAccessView.as_view(), name="contact_sar"),
    path("contacts/<int:pk>/erase/", views.EraseContactView.as_view(), name="contact_erase"),
    path("privacy/retention/", views.RetentionReportView.as_view(), name="retention_report"),
]
