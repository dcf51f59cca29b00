"""The board card's "Move to" form, built in Python.

As an included template it cost ~0.7 ms a card (csrf token, nine options, the include
itself); the board shows up to 240 cards. The token, the return address and each
stage's options are worked out once per page.
"""
from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html, format_html_join

from crm.links import detail_url
from sponsors.models import Stage

register = template.Library()


@register.simple_tag(takes_context=True)
def move_form(context, pledge):
    page = context.render_context.get("move_form")
    if page is None:
        request = context["request"]
        page = context.render_context["move_form"] = {
            "csrf": get_token(request), "next": request.get_full_path(), "options": {},
            "action": detail_url("sponsors:pledge_move"),
        }
    options = page["options"].get(pledge.stage)
    if options is None:
        options = page["options"][pledge.stage] = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((value, " selected" if value == pledge.stage else "", label) for value, label in Stage.choices),
        )
    return format_html(
        '<form method="post" action="{}" class="move-form d-flex gap-1 mt-2">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<input type="hidden" name="next" value="{}">'
        '<label class="visually-hidden" for="move-{}">Move {} to</label>'
        '<select name="to_stage" id="move-{}" class="form-select form-select-sm">{}</select>'
        '<button type="submit" class="btn btn-sm btn-outline-primary text-nowrap">Move</button></form>',
        page["action"](pledge.pk), page["csrf"], page["next"], pledge.pk, pledge.organisation.name, pledge.pk, options,
    )
