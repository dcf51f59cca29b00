"""The sponsor's side of a pledge: links without accounts, and what the sponsor signed and gave.

A link's token is never stored, only its SHA-256. A signed agreement's bytes are never changed:
it is only voided (with a reason), or on erasure stripped of the signer's personal data while
keeping its hash and the fact of signature.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def no_control_characters(value: str) -> None:
    """Tabs, line breaks and other control characters break a buyer's finance system."""
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value or ""):
        raise ValidationError("Remove the control characters (tabs, line breaks and the like): they cannot be printed.")


class PortalSettings(models.Model):
    """The organiser's choices for the portal: one row."""

    raise_invoice_on_po = models.BooleanField(
        "raise the invoice when the PO arrives",
        default=False,
        help_text="When a sponsor who has signed gives a purchase-order number, raise the invoice at once. "
        "Otherwise the pledge's owner gets a follow-up to raise it.",
    )
    description_word_limit = models.PositiveIntegerField(
        "word limit of a company description", default=150, help_text="Between 20 and 1,000 words."
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "portal settings"
        verbose_name_plural = "portal settings"

    def __str__(self):
        return "Portal settings"

    def clean(self):
        if not 20 <= (self.description_word_limit or 0) <= 1000:
            raise ValidationError({"description_word_limit": "Choose a limit between 20 and 1,000 words."})


class PortalLink(models.Model):
    """A sponsor's personal link to one pledge's portal. Inviting again revokes the older link."""

    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="portal_links"
    )
    email = models.EmailField("sent to", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pledge", "-created_at"])]

    def __str__(self):
        return f"Portal link for pledge {self.pledge_id} ({self.state})"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class PortalVisit(models.Model):
    """Each time the sponsor opened the portal or did something there (no token, no address)."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Opened the portal"
        SIGNED = "signed", "Signed the agreement"
        BILLING = "billing", "Gave billing details"
        ASSETS = "assets", "Sent company details"
        LOGO = "logo", "Uploaded a logo"
        GUESTS = "guests", "Named guests"
        DOWNLOADED = "downloaded", "Downloaded a document"

    link = models.ForeignKey(PortalLink, on_delete=models.CASCADE, related_name="visits")
    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_visits")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=Action.choices, default=Action.VIEWED)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["pledge", "-at"])]

    def __str__(self):
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class SignedAgreement(models.Model):
    """The agreement as signed: the exact PDF bytes with a final page stating who signed, when,
    from where, and the SHA-256 of the agreement. Never changed; voided with a reason."""

    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.PROTECT, related_name="signed_agreements")
    link = models.ForeignKey(PortalLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signer_name = models.CharField(max_length=200)
    signer_title = models.CharField("job title", max_length=200)
    signer_email = models.EmailField(blank=True)
    organisation_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    #: SHA-256 of the agreement as shown to the signer (printed on the final page).
    document_sha256 = models.CharField(max_length=64)
    #: SHA-256 of the stored file (agreement plus final page): the sponsor's copy can be checked against it.
    sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField(editable=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.TextField(blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge"], condition=models.Q(voided_at__isnull=True), name="portal_one_live_agreement"
            ),
        ]

    def __str__(self):
        state = "voided" if self.voided_at else "signed"
        return f"Agreement for pledge {self.pledge_id} ({state} {self.signed_at:%d %b %Y})"


class BillingDetails(models.Model):
    """Who pays, where the invoice goes, and the purchase-order number, as the sponsor gave them."""

    pledge = models.OneToOneField("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_billing")
    billing_contact = models.CharField(max_length=200, validators=[no_control_characters])
    billing_email = models.EmailField()
    billing_address = models.TextField(max_length=1000)
    po_number = models.CharField("purchase-order number", max_length=60, blank=True, validators=[no_control_characters])
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name_plural = "billing details"

    def __str__(self):
        return f"Billing for pledge {self.pledge_id}"


class LogoSubmission(models.Model):
    """One logo the sponsor sent; the organiser approves or rejects it with a note."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_logos")
    file = models.FileField(upload_to="portal/logos/%Y/", max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    note = models.CharField("note to the sponsor", max_length=500, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["pledge", "-submitted_at"])]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_svg(self) -> bool:
        return self.content_type == "image/svg+xml"


class SponsorAssets(models.Model):
    """The words the sponsor gives for the event's materials, per the tier's benefits."""

    pledge = models.OneToOneField("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_assets")
    description = models.TextField("company description", blank=True, max_length=10000)
    website = models.URLField(blank=True, max_length=300)
    speaker_name = models.CharField(max_length=200, blank=True)
    speaker_title = models.CharField("speaker's job title", max_length=200, blank=True)
    talk_title = models.CharField(max_length=300, blank=True)
    talk_abstract = models.TextField(blank=True, max_length=5000)
    stand_needs = models.TextField("stand requirements", blank=True, max_length=3000)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name_plural = "sponsor assets"

    def __str__(self):
        return f"Assets for pledge {self.pledge_id}"


class Guest(models.Model):
    """A person using one of the sponsor's tickets."""

    pledge = models.ForeignKey("sponsors.Pledge", on_delete=models.CASCADE, related_name="portal_guests")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    dietary = models.CharField("dietary needs", max_length=300, blank=True)
    access = models.CharField("access needs", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pledge", "position", "id"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return self.name
