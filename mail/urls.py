from django.urls import path

from mail import views

app_name = "mail"

urlpatterns = [
    path("mail/triage/", views.TriageView.as_view(), name="triage"),
    path("mail/fetch/", views.FetchNowView.as_view(), name="fetch_now"),
    path("mail/upload/", views.UploadView.as_view(), name="upload"),
    path("mail/messages/<int:pk>/", views.MessageDetailView.as_view(), name="message_detail"),
    path("mail/messages/<int:pk>/file/", views.FileOnContactView.as_view(), name="message_file"),
    path("mail/messages/<int:pk>/new-contact/", views.CreateContactView.as_view(), name="message_create_contact"),
    path("mail/messages/<int:pk>/discard/", views.DiscardView.as_view(), name="message_discard"),
    path("mail/attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("mail/templates/", views.TemplateListView.as_view(), name="template_list"),
    path("mail/templates/new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("mail/templates/<int:pk>/edit/", views.TemplateUpdateView.as_view(), name="template_update"),
    path("mail/compose/", views.ComposeView.as_view(), name="compose"),
    path("mail/merges/", views.MergeListView.as_view(), name="merge_list"),
    path("mail/merges/new/", views.MergeCreateView.as_view(), name="merge_create"),
    path("mail/merges/<int:pk>/", views.MergeDetailView.as_view(), name="merge_detail"),
    path("mail/merges/<int:pk>/resume/", views.MergeResumeView.as_view(), name="merge_resume"),
    path("mail/merges/<int:pk>/status/", views.MergeStatusView.as_view(), name="merge_status"),
]
