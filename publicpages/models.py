"""The public face of sponsorship: per event, a slug and which public pages are on, what
applicants submitted, and which in-kind suppliers agreed to be credited on the wall.

The crm Event is never changed: the slug and the switches live here, one row per event.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

DEFAULT_INTRO = (
    "Put your organisation in front of the region's public-sector digital community. "
    "Choose a package below and tell us about yourselves: we will be in touch within two working days."
)
DEFAULT_THANK_YOU = "Thank you for applying to sponsor {{ event }}. We will be in touch within two working days."
DEFAULT_ACK_SUBJECT = "Your application to sponsor {{ event }}"
DEFAULT_ACK_BODY = (
    "Dear {{ first_name }},\n\n"
    "Thank you for applying to sponsor {{ event }} at the {{ tier }} level on behalf of {{ organisation }}.\n"
    "We have your application and will be in touch within two working days.\n\n"
    "{{ portal_link }}\n\n"
    "With thanks,\n{{ network }}"
)
#: Merge fields the acknowledgement's subject and body may use (replaced as plain text, never
#: evaluated as template code).
ACK_FIELDS = {
    "first_name": "The applicant's first name",
    "last_name": "The applicant's last name",
    "organisation": "The organisation's name as the applicant gave it",
    "tier": "The tier applied for",
    "event": "The event's name",
    "network": "The network's name (invoicing's network details)",
    "portal_link": "The applicant's sponsor-portal link, when “invite on application” is on (else empty)",
}

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lower-case letters, digits and single hyphens, e.g. launch-2026."
)


class PublicPage(models.Model):
    """An event's public pages: its slug, each page switched on or off, and the application's wording.

    Pages that are off answer 404, exactly as an unknown slug does.
    """

    event = models.OneToOneField("crm.Event", on_delete=models.CASCADE, related_name="public_page")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        validators=[slug_validator],
        help_text="The public address: /sponsor/<slug>/ and /sponsors/<slug>/. Changing it breaks links already shared.",
    )
    prospectus_on = models.BooleanField("prospectus published", default=False)
    application_on = models.BooleanField("application form open", default=False)
    wall_on = models.BooleanField("sponsor wall published", default=False)
    invite_on_application = models.BooleanField(
        "invite on application",
        default=False,
        help_text="Send each applicant their sponsor-portal link at once.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="applications go to",
        help_text="Who is told of each application and gets its follow-up, due the day it arrives.",
    )
    public_contact = models.CharField(
        max_length=300,
        blank=True,
        help_text="Printed on the prospectus as who to contact (e.g. “Events team, events@network.example”).",
    )
    intro = models.TextField("application introduction", max_length=2000, blank=True, default=DEFAULT_INTRO)
    thank_you = models.TextField(
        "thank-you message",
        max_length=2000,
        blank=True,
        default=DEFAULT_THANK_YOU,
        help_text="Merge field: {{ event }}.",
    )
    ack_subject = models.CharField("acknowledgement subject", max_length=200, default=DEFAULT_ACK_SUBJECT)
    ack_body = models.TextField("acknowledgement email", max_length=5000, default=DEFAULT_ACK_BODY)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "public page"
        ordering = ["slug"]

    def __str__(self):
        return f"/sponsor/{self.slug}/"


class Application(models.Model):
    """What one applicant submitted through the public form, and the pledge it became."""

    page = models.ForeignKey(PublicPage, on_delete=models.CASCADE, related_name="applications")
    pledge = models.ForeignKey(
        "sponsors.Pledge", null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    organisation = models.ForeignKey(
        "crm.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="sponsor_applications"
    )
    submitted = models.JSONField(help_text="The form as the applicant filled it in.")
    ip_hash = models.CharField(max_length=64, blank=True, help_text="Keyed hash of the address it came from.")
    submitted_at = models.DateTimeField(default=timezone.now)
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the applicant consented to be contacted.")
    matched_organisation = models.BooleanField(default=False)
    matched_contact = models.BooleanField(default=False)
    invited = models.BooleanField("sent a portal link", default=False)

    #: Set by submit_application for the page it answers with (not stored: the link is a secret).
    portal_link: str = ""
    invite_note: str = ""

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["page", "-submitted_at"])]

    def __str__(self):
        return f"{self.submitted.get('organisation', '?')} applied for {self.submitted.get('tier', '?')}"


class InKindCredit(models.Model):
    """An in-kind supplier's agreement to be credited on the event's sponsor wall.

    Kept here, keyed to the contribution, so sponsors/ gains no field for a public page.
    """

    contribution = models.OneToOneField(
        "sponsors.InKindContribution", on_delete=models.CASCADE, related_name="public_credit"
    )
    credit_publicly = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "in-kind credit"

    def __str__(self):
        return f"{self.contribution_id}: {'credited' if self.credit_publicly else 'not credited'}"


class WallVersion(models.Model):
    """One number that changes whenever anything a sponsor wall shows may have changed (see
    publicpages/wallcache.py): the walls' cache key and ETag. A single row, only ever bumped."""

    ROW = 1

    number = models.BigIntegerField()

    class Meta:
        verbose_name = "sponsor wall version"

    def __str__(self):
        return str(self.number)
