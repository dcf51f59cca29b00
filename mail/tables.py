import django_tables2 as tables

from mail.models import EmailMessage


class TriageTable(tables.Table):
    sent_at = tables.DateTimeColumn(verbose_name="Date", format="d M Y, H:i")
    from_address = tables.TemplateColumn(
        verbose_name="From",
        order_by=("from_address",),
        template_code="{% if record.from_name %}{{ record.from_name }}<br>{% endif %}"
        '<span class="small text-body-secondary">{{ record.from_address|default:"(no sender)" }}</span>',
    )
    subject = tables.TemplateColumn(
        attrs={"td": {"class": "position-relative"}},
        template_code='<a href="{{ record.get_absolute_url }}">{{ record.subject|default:"(no subject)" }}</a>'
        '{% if record.attachment_count %} <span class="badge text-bg-secondary">'
        '<i class="bi bi-paperclip" aria-hidden="true"></i> {{ record.attachment_count }}'
        '<span class="visually-hidden"> attachments</span></span>{% endif %}',
    )
    direction = tables.Column(
        verbose_name="Direction",
        attrs={"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}},
    )
    actions = tables.TemplateColumn(verbose_name="", orderable=False, template_name="mail/_triage_actions.html")

    class Meta:
        model = EmailMessage
        fields = ("sent_at", "from_address", "subject", "direction")
        order_by = ("-sent_at",)
        empty_text = "Nothing to file: every message found its contact."
