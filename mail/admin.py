from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mail.models import EmailAttachment, EmailMessage, EmailTemplate, MailMerge


class AttachmentInline(admin.TabularInline):
    model = EmailAttachment
    extra = 0
    fields = ("filename", "content_type", "size", "skipped")
    readonly_fields = fields


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "from_address", "subject", "direction", "status", "source")
    list_filter = ("status", "direction", "source")
    search_fields = ("subject", "from_address", "message_id")
    readonly_fields = ("message_id", "headers")
    inlines = [AttachmentInline]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "subject", "updated_at")


@admin.register(MailMerge)
class MailMergeAdmin(admin.ModelAdmin):
    list_display = ("template", "created_by", "created_at", "status")
