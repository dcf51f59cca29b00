"""Personal data: subject access exports, erasure and the retention report."""
from django.urls import path

from crm.views import privacy

urlpatterns = [
    path("contacts/<int:pk>/subject-access/", privacy.SubjectAccessView.as_view(), name="contact_sar"),
    path("contacts/<int:pk>/erase/", privacy.EraseContactView.as_view(), name="contact_erase"),
    path("privacy/retention/", privacy.RetentionReportView.as_view(), name="retention_report"),
]
