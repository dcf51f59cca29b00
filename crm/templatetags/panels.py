"""`{% panels "slot" record %}`: the parts other apps contribute to a page (see crm.registry)."""

from django import template
from django.utils.safestring import mark_safe

from crm.registry import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, slot, obj=None):
    """Each panel's template is rendered with the page's context plus `panel`, its own data."""
    request = context.get("request")
    engine = context.template.engine
    html = []
    for rendered in render_panels(slot, obj, request):
        with context.push(panel=rendered.context):
            html.append(engine.get_template(rendered.template).render(context))
    return mark_safe("".join(html))
