"""Plotly figures for the dashboards, rendered without any inline script.

A figure is plotly's JSON figure format built as plain dicts: constructing
`plotly.graph_objects` figures validates every property and cost about 25 ms a
chart, a quarter of the pipeline dashboard's time at scale. The tests check every
dashboard's figures against plotly's schema instead (`validate`).

`render` emits a `<div>` and the figure as a JSON data block
(`<script type="application/json">`, which browsers never execute, so a strict
CSP allows it); static/dashboards/dashboard.js calls `Plotly.newPlot` for each, using
the plotly.js bundle that the plotly pip package ships (served locally).
"""

import copy

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import mark_safe

CONFIG = {"displayModeBar": False, "responsive": True}
#: Bootstrap-ish colours so charts match the page; stages in pipeline order.
PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#0dcaf0", "#6c757d", "#ffc107", "#d63384"]
LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "height": 320,
    "autosize": True,
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "bargap": 0.3,
    "xaxis": {"automargin": True},
    "yaxis": {"automargin": True, "gridcolor": "#e9ecef"},
}
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure(traces, *, title: str = "", money_axis: str = "", **layout) -> dict:
    fig_layout = copy.deepcopy(LAYOUT)
    if title:
        fig_layout["title"] = {"text": title, "x": 0, "font": {"size": 13}}
    if money_axis:
        _merge(fig_layout, {money_axis: {"tickprefix": "£", "separatethousands": True, "tickformat": ",.0f"}})
    _merge(fig_layout, layout)
    return {"data": list(traces), "layout": fig_layout}


def bar(
    x, y, *, name: str = "", color: str | None = None, horizontal: bool = False, money: bool = True, **kwargs
) -> dict:
    x, y = _plain(x), _plain(y)
    hover = "£%{value:,.0f}" if money else "%{value:,}"
    if horizontal:
        x, y = y, x
        hover = "%{y}: " + hover.replace("value", "x")
    else:
        hover = "%{x}: " + hover.replace("value", "y")
    if color:
        kwargs.setdefault("marker", {})["color"] = color
    return dict(
        type="bar",
        x=x,
        y=y,
        name=name,
        orientation="h" if horizontal else "v",
        hovertemplate=hover + (f"<extra>{name}</extra>" if name else "<extra></extra>"),
        **kwargs,
    )


def line(x, y, *, name: str = "", color: str | None = None, money: bool = True, **kwargs) -> dict:
    hover = "%{x}: £%{y:,.0f}" if money else "%{x}: %{y:,}"
    return dict(
        type="scatter",
        x=_plain(x),
        y=_plain(y),
        name=name,
        mode="lines+markers",
        line={"color": color},
        hovertemplate=hover + f"<extra>{name}</extra>",
        **kwargs,
    )


def vertical_line(fig: dict, x: float, *, color: str, dash: str = "dash") -> None:
    """A full-height line at x (a target, say), as plotly's own add_vline draws it."""
    fig["layout"].setdefault("shapes", []).append(
        {
            "type": "line",
            "xref": "x",
            "yref": "y domain",
            "x0": x,
            "x1": x,
            "y0": 0,
            "y1": 1,
            "line": {"color": color, "dash": dash},
        }
    )


def render(fig: dict, chart_id: str, *, label: str = "") -> str:
    """A div plus the figure as a non-executable JSON block, for static/dashboards/dashboard.js."""
    # plotly's encoder handles Decimal, dates and numpy.
    text = pio.to_json({**fig, "config": CONFIG}, validate=False, pretty=False).translate(_JSON_ESCAPES)
    return format_html(
        '<div class="dashboard-chart" id="{}" data-plotly="{}-data" role="img" aria-label="{}"></div>'
        '<script type="application/json" id="{}-data">{}</script>',
        chart_id,
        chart_id,
        label or chart_id,
        chart_id,
        mark_safe(text),
    )


def validate(fig: dict) -> go.Figure:
    """plotly's full check of a figure (raises ValueError on an unknown or invalid property)."""
    return go.Figure(fig)


def _merge(target: dict, updates: dict) -> None:
    """Nested update, as plotly's update_layout does it."""
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _plain(values):
    """Plain floats/strings: Decimal would serialise as text, which plotly does not plot."""
    out = []
    for value in values:
        if hasattr(value, "as_tuple"):  # Decimal
            out.append(float(value))
        else:
            out.append(value)
    return out
