"""The board's cards and their "Move to" forms, built in Python.

As an included template the form cost ~0.7 ms a card (csrf token, nine options, the include
itself); the board shows up to 240 cards. The token, the return address and each
stage's options are worked out once per page. The rest of the card, as template markup,
was still a third of the board's time on PostgreSQL at the large dataset (~30 template
nodes a card); `pledge_card` writes the same markup, every value escaped.
"""

from django import template
from django.middleware.csrf import get_token
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from crm.formatting import format_money
from crm.links import detail_url
from sponsors.models import Stage

register = template.Library()


@register.simple_tag(takes_context=True)
def move_form(context, pledge):
    page = context.render_context.get("move_form")
    if page is None:
        request = context["request"]
        page = context.render_context["move_form"] = {
            "csrf": get_token(request),
            "next": request.get_full_path(),
            "options": {},
            "action": detail_url("sponsors:pledge_move"),
        }
    options = page["options"].get(pledge.stage)
    if options is None:
        options = page["options"][pledge.stage] = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((value, " selected" if value == pledge.stage else "", label) for value, label in Stage.choices),
        )
    return format_html(
        '<form method="post" action="{}" class="move-form d-flex gap-1 mt-2">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<label class="visually-hidden" for="move-{}">Move {} to</label>'
        '<select name="to_stage" id="move-{}" class="form-select form-select-sm">{}</select>'
        '<button type="submit" class="btn btn-sm btn-outline-primary text-nowrap">Move</button></form>',
        page["action"](pledge.pk),
        page["csrf"],
        page["next"],
        pledge.pk,
        pledge.organisation.name,
        pledge.pk,
        options,
    )


@register.simple_tag(takes_context=True)
def pledge_card(context, pledge, column_key, can_move):
    """One card of the board (the pledge carries `url` and `days_in_stage`, set by the selector)."""
    owner = pledge.owner
    who = escape((owner.get_full_name() or owner.username) if owner is not None else "No owner")
    days = pledge.days_in_stage
    late = " text-danger fw-semibold" if days > 30 and pledge.is_open else ""
    tier = f"{escape(pledge.tier.name)} · " if pledge.tier_id else ""
    lost = (
        f'<div class="small"><span class="badge stage-badge stage-{escape(pledge.stage)}">'
        f"{escape(pledge.get_stage_display())}</span></div>"
        if column_key == "lost"
        else ""
    )
    form = move_form(context, pledge) if can_move else ""
    return mark_safe(
        f'<article class="card pledge-card mb-2" data-testid="pledge-card" data-pledge="{pledge.pk}">'
        f'<div class="card-body p-2">'
        f'<div class="d-flex justify-content-between gap-2">'
        f'<a class="fw-semibold text-break" href="{escape(pledge.url)}">{escape(pledge.organisation.name)}</a>'
        f'<span class="fw-semibold text-nowrap">{escape(format_money(pledge.amount))}</span></div>'
        f'<div class="small text-secondary">{tier}{escape(pledge.event.name)}</div>'
        f'<div class="small text-secondary d-flex justify-content-between gap-2">'
        f'<span><i class="bi bi-person" aria-hidden="true"></i> {who}</span>'
        f'<span class="text-nowrap{late}" title="Days in this stage">{days} day{"" if days == 1 else "s"}</span>'
        f"</div>{lost}{form}</div></article>"
    )
