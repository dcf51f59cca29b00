"""Plotly figures for the dashboards, rendered without any inline script.

`render` emits a `<div>` and the figure as a JSON data block
(`<script type="application/json">`, which browsers never execute, so a strict
CSP allows it); static/crm/dashboard.js calls `Plotly.newPlot` for each, using
the plotly.js bundle that the plotly pip package ships (served locally).
`to_div` is plotly's own HTML, for places where inline scripts are acceptable.
"""
import json

import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import mark_safe

CONFIG = {"displayModeBar": False, "responsive": True}
#: Bootstrap-ish colours so charts match the page; stages in pipeline order.
PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#0dcaf0", "#6c757d",
           "#ffc107", "#d63384"]
LAYOUT = dict(
    margin=dict(l=10, r=10, t=30, b=10), height=320, autosize=True,
    font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=12),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", bargap=0.3,
    xaxis=dict(automargin=True), yaxis=dict(automargin=True, gridcolor="#e9ecef"),
)
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure(traces, *, title: str = "", money_axis: str = "", **layout) -> go.Figure:
    fig = go.Figure(data=traces)
    fig.update_layout(**LAYOUT)
    if title:
        fig.update_layout(title=dict(text=title, x=0, font=dict(size=13)))
    if money_axis:
        fig.update_layout(**{money_axis: dict(tickprefix="£", separatethousands=True, tickformat=",.0f")})
    fig.update_layout(**layout)
    return fig


def bar(x, y, *, name: str = "", color: str | None = None, horizontal: bool = False, money: bool = True,
        **kwargs) -> go.Bar:
    x, y = _plain(x), _plain(y)
    hover = "£%{value:,.0f}" if money else "%{value:,}"
    if horizontal:
        x, y = y, x
        hover = ("%{y}: " + hover.replace("value", "x"))
    else:
        hover = ("%{x}: " + hover.replace("value", "y"))
    if color:
        kwargs["marker_color"] = color
    return go.Bar(x=x, y=y, name=name, orientation="h" if horizontal else "v",
                  hovertemplate=hover + (f"<extra>{name}</extra>" if name else "<extra></extra>"), **kwargs)


def line(x, y, *, name: str = "", color: str | None = None, money: bool = True, **kwargs) -> go.Scatter:
    hover = "%{x}: £%{y:,.0f}" if money else "%{x}: %{y:,}"
    return go.Scatter(x=_plain(x), y=_plain(y), name=name, mode="lines+markers", line=dict(color=color),
                      hovertemplate=hover + f"<extra>{name}</extra>", **kwargs)


def render(fig: go.Figure, chart_id: str, *, label: str = "") -> str:
    """A div plus the figure as a non-executable JSON block, for static/crm/dashboard.js."""
    payload = json.loads(fig.to_json())  # plotly's encoder handles Decimal, dates and numpy
    payload["config"] = CONFIG
    text = json.dumps(payload, separators=(",", ":")).translate(_JSON_ESCAPES)
    return format_html(
        '<div class="dashboard-chart" id="{}" data-plotly="{}-data" role="img" aria-label="{}"></div>'
        '<script type="application/json" id="{}-data">{}</script>',
        chart_id, chart_id, label or chart_id, chart_id, mark_safe(text),
    )


def to_div(fig: go.Figure) -> str:
    """plotly's own div (with its inline script), bundle not included."""
    return fig.to_html(include_plotlyjs=False, full_html=False, config=CONFIG)


def _plain(values):
    """Plain floats/strings: Decimal would serialise as text, which plotly does not plot."""
    out = []
    for value in values:
        if hasattr(value, "as_tuple"):  # Decimal
            out.append(float(value))
        else:
            out.append(value)
    return out
