"""Duplicate rules (weights and a threshold, as CiviCRM keeps them), the candidate pairs they
find, "not duplicates" decisions, and merges with everything needed to undo them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

#: How long a merge can be undone.
UNDO_DAYS = 30


class Target(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    ORGANISATIONS = "organisations", "Organisations"


MODEL_LABELS: dict[str, str] = {Target.CONTACTS: "crm.contact", Target.ORGANISATIONS: "crm.organisation"}


class RuleKind(models.TextChoices):
    EMAIL = "email", "Same email address"
    EMAIL_PLUS = "email_plus", "Same email apart from plus-addressing (jo+events@…)"
    EMAIL_GMAIL = "email_gmail", "Same Gmail address apart from dots"
    PHONE = "phone", "Same phone number"
    NAME_ORG = "name_org", "Same name in the same organisation"
    SIMILAR_NAME_ORG = "similar_name_org", "Similar name in the same organisation"
    SIMILAR_NAME_DOMAIN = "similar_name_domain", "Similar name at the same email domain"
    ORG_NAME = "org_name", "Same name (ignoring a bracketed part)"
    ORG_SIMILAR_NAME = "org_similar_name", "Similar name or initials"
    ORG_WEBSITE = "org_website", "Same website domain"
    ORG_EMAIL_DOMAIN = "org_email_domain", "Their people share an email domain"


#: The rules each target has, with their default weights (threshold 60 for both).
DEFAULT_RULES: dict[str, dict[str, int]] = {
    Target.CONTACTS: {
        RuleKind.EMAIL: 100,
        RuleKind.EMAIL_PLUS: 90,
        RuleKind.EMAIL_GMAIL: 90,
        RuleKind.PHONE: 40,
        RuleKind.NAME_ORG: 80,
        RuleKind.SIMILAR_NAME_ORG: 60,
        RuleKind.SIMILAR_NAME_DOMAIN: 30,
    },
    Target.ORGANISATIONS: {
        RuleKind.ORG_NAME: 80,
        RuleKind.ORG_SIMILAR_NAME: 60,
        RuleKind.ORG_WEBSITE: 50,
        RuleKind.ORG_EMAIL_DOMAIN: 40,
    },
}
DEFAULT_THRESHOLD = 60


class RuleSet(models.Model):
    """The rules for one kind of record: a pair whose matched rules' weights add up to the
    threshold or more is a candidate."""

    target = models.CharField(max_length=20, choices=Target.choices, unique=True)
    threshold = models.PositiveSmallIntegerField(default=DEFAULT_THRESHOLD)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_seconds = models.FloatField(null=True, blank=True, editable=False)
    last_pair_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target"]
        verbose_name = "duplicate rule set"

    def __str__(self):
        return f"{self.get_target_display()} (threshold {self.threshold})"


class Rule(models.Model):
    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    weight = models.PositiveSmallIntegerField(default=50)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["ruleset", "-weight", "kind"]
        verbose_name = "duplicate rule"
        constraints = [models.UniqueConstraint(fields=["ruleset", "kind"], name="duplicate_rule_once_per_set")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.weight})"


class CandidatePair(models.Model):
    """Two records that look like one, as the last search found them (a is the older record)."""

    target = models.CharField(max_length=20, choices=Target.choices)
    contact_a = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contact_b = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organisation_a = models.ForeignKey(
        "crm.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organisation_b = models.ForeignKey(
        "crm.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    rules = models.JSONField(default=list, help_text="The rules that matched (RuleKind values).")
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]
        indexes = [models.Index(fields=["target", "-score", "id"], name="candidate_best_first")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(target="contacts", contact_a__isnull=False, contact_b__isnull=False)
                    | models.Q(target="organisations", organisation_a__isnull=False, organisation_b__isnull=False)
                ),
                name="candidate_pair_has_both",
            )
        ]

    def __str__(self):
        return f"{self.get_target_display()} #{self.a_id} / #{self.b_id} ({self.score})"

    @property
    def a(self):
        return self.contact_a if self.target == Target.CONTACTS else self.organisation_a

    @property
    def b(self):
        return self.contact_b if self.target == Target.CONTACTS else self.organisation_b

    @property
    def a_id(self) -> int:
        return self.contact_a_id if self.target == Target.CONTACTS else self.organisation_a_id

    @property
    def b_id(self) -> int:
        return self.contact_b_id if self.target == Target.CONTACTS else self.organisation_b_id

    @property
    def rule_labels(self) -> list[str]:
        labels = dict(RuleKind.choices)
        return [labels.get(rule, rule) for rule in self.rules]

    def merge_url(self) -> str:
        return reverse(f"duplicates:merge_{self.target}") + f"?ids={self.a_id}&ids={self.b_id}"


class NotDuplicate(models.Model):
    """Someone decided these two are different: never shown as a pair again.

    Plain ids, not foreign keys, so a decision outlives a merge and its undo."""

    target = models.CharField(max_length=20, choices=Target.choices)
    low_id = models.PositiveIntegerField()
    high_id = models.PositiveIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = "not-duplicates decision"
        constraints = [
            models.UniqueConstraint(fields=["target", "low_id", "high_id"], name="not_duplicate_once"),
            models.CheckConstraint(condition=models.Q(low_id__lt=models.F("high_id")), name="not_duplicate_ordered"),
        ]

    def __str__(self):
        return f"{self.get_target_display()} #{self.low_id} ≠ #{self.high_id}"


class Merge(models.Model):
    """One merge: one record kept, one or more merged into it. Everything needed to undo it:
    the kept record's values before and after, the merged records' rows, what each app's merge
    hook moved (crm.registry.MergeHook)."""

    target = models.CharField(max_length=20, choices=Target.choices)
    kept_id = models.PositiveIntegerField()
    merged_ids = models.JSONField(default=list)
    summary = models.CharField(max_length=300, help_text="What was merged, as people read it.")
    kept_before = models.JSONField(default=dict, help_text="The kept record's fields before the merge.")
    kept_after = models.JSONField(default=dict, help_text="The kept record's fields after the merge.")
    merged_rows = models.JSONField(default=list, help_text="The merged records as they were (serialised).")
    hook_records = models.JSONField(default=dict, help_text="Merged id → hook name → what the hook did.")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["target", "kept_id"])]

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return reverse("duplicates:merge_detail", args=[self.pk])

    @property
    def undo_until(self) -> datetime.datetime:
        return self.merged_at + datetime.timedelta(days=UNDO_DAYS)

    def can_undo(self, now: datetime.datetime | None = None) -> bool:
        return self.undone_at is None and (now or timezone.now()) < self.undo_until
