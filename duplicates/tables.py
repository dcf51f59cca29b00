"""The candidate list and the merge history (django-tables2)."""

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from crm.links import detail_url
from crm.tables.columns import DateTimeColumn
from duplicates import selectors
from duplicates.models import CandidatePair, Merge, RuleKind, Target


def _contact_card(record: dict, url: str) -> str:
    name = " ".join(part for part in (record["first_name"], record["last_name"]) if part) or "(no name)"
    if record["salutation"]:
        name = f"{record['salutation']} {name}"
    return (
        f'<div><a href="{url}">{escape(name)}</a>'
        f'<div class="small text-body-secondary">{escape(record["organisation_name"] or "No organisation")}</div>'
        f'<div class="small text-body-secondary text-break">{escape(record["email"] or "No email")}</div>'
        f'<div class="small text-body-secondary">{escape(record["phone"] or "No phone")}</div></div>'
    )


def _organisation_card(record: dict, url: str) -> str:
    return (
        f'<div><a href="{url}">{escape(record["name"])}</a>'
        f'<div class="small text-body-secondary text-break">{escape(record["website"] or "No website")}</div>'
        f'<div class="small text-body-secondary">{escape(record["city"] or "No city")}</div></div>'
    )


class CandidateTable(tables.Table):
    """The pairs a page at a time (selectors.candidate_pairs rows), with the key fields of that
    page's records loaded in one query when the first card is drawn. The cells are built as
    strings with each value escaped once: at 25 rows, format_html per card and a model's
    get_absolute_url per record were most of the page's own time."""

    score = tables.Column(verbose_name="Score", attrs={"td": {"class": "text-nowrap fw-semibold"}})
    first = tables.Column(accessor="a_id", orderable=False, verbose_name="One record")
    second = tables.Column(accessor="b_id", orderable=False, verbose_name="The other")
    rules = tables.Column(orderable=False, verbose_name="Rules that matched")
    actions = tables.Column(accessor="id", orderable=False, verbose_name="Actions")

    class Meta:
        model = CandidatePair
        fields = []
        sequence = ["score", "first", "second", "rules", "actions"]
        order_by = ("-score",)
        empty_text = "No likely duplicates. Search again after an import, or lower the threshold in the rules."
        attrs = {"class": "table table-sm align-middle", "data-testid": "candidate-table"}

    def __init__(self, *args, target=Target.CONTACTS, can_merge=False, can_decide=False, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target, self.can_merge, self.can_decide = target, can_merge, can_decide
        contacts = target == Target.CONTACTS
        self._card = _contact_card if contacts else _organisation_card
        self._record_url = detail_url("crm:contact_detail" if contacts else "crm:organisation_detail")
        self._merge_url = reverse(f"duplicates:merge_{target}")
        self._records: dict[int, dict] | None = None
        self._labels = dict(RuleKind.choices)
        self._decide_form = ""
        if can_decide:
            self._decide_form = format_html(
                '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<input type="hidden" name="target" value="{}"><input type="hidden" name="next" value="{}">',
                reverse("duplicates:not_duplicates"),
                get_token(request) if request is not None else "",
                target,
                request.get_full_path() if request is not None else "",
            )
        if not (can_merge or can_decide):
            self.columns.hide("actions")

    def records(self) -> dict[int, dict]:
        """The key fields of every record on this page, loaded once."""
        if self._records is None:
            ids = set()
            for pair in self.paginated_rows.data:  # the records, not BoundRows (they count rows for odd/even)
                ids.update((pair["a_id"], pair["b_id"]))
            self._records = selectors.record_key_fields(self.target, ids)
        return self._records

    def _render_card(self, pk: int) -> str:
        record = self.records().get(pk)
        if record is None:  # deleted since the search
            return mark_safe('<span class="text-body-secondary">(deleted)</span>')
        return mark_safe(self._card(record, self._record_url(pk)))

    def render_first(self, value):
        return self._render_card(value)

    def render_second(self, value):
        return self._render_card(value)

    def render_rules(self, value):
        items = "".join(f"<li>{escape(self._labels.get(rule, rule))}</li>" for rule in value)
        return mark_safe(f'<ul class="list-unstyled small mb-0">{items}</ul>')

    def render_actions(self, record):
        a, b = record["a_id"], record["b_id"]
        html = []
        if self.can_merge:
            html.append(
                f'<a class="btn btn-sm btn-primary" href="{self._merge_url}?ids={a}&amp;ids={b}">'
                f'Merge<span class="visually-hidden"> pair {a} and {b}</span></a>'
            )
        if self.can_decide:
            html.append(
                f'{self._decide_form}<input type="hidden" name="a" value="{a}"><input type="hidden" name="b" value="{b}">'
                '<button type="submit" class="btn btn-sm btn-outline-secondary">Not duplicates'
                f'<span class="visually-hidden">: {a} and {b}</span></button></form>'
            )
        return mark_safe(f'<div class="d-flex flex-wrap gap-1">{"".join(html)}</div>')

    def order_score(self, queryset, is_descending):
        return queryset.order_by(("-" if is_descending else "") + "score", "id"), True


class MergeTable(tables.Table):
    summary = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name="Merge")
    target = tables.Column(verbose_name="Records")
    merged_by = tables.Column(verbose_name="By", default="—")
    merged_at = DateTimeColumn(verbose_name="When", attrs={"td": {"class": "text-nowrap"}})
    state = tables.Column(empty_values=(), orderable=False, verbose_name="Undo")

    class Meta:
        model = Merge
        fields = []
        sequence = ["summary", "target", "merged_by", "merged_at", "state"]
        order_by = ("-merged_at",)
        empty_text = "No merges yet."
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "merge-table"}

    def render_state(self, record):
        if record.undone_at:
            return "Undone"
        if record.can_undo():
            return format_html("Until {}", f"{record.undo_until:%-d %b %Y}")
        return "Too late"
