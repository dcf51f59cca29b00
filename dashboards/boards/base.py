"""What a dashboard hands to its page: figures, tables (also downloadable as CSV) and charts."""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from crm.cells import FORMULA_PREFIXES
from crm.formatting import format_money

PENNY = Decimal("0.01")
#: Cells starting with these run as formulas in spreadsheet programs.


def money(value) -> Decimal:
    return (Decimal(value or 0)).quantize(PENNY)


def person_name(user) -> str:
    """How the dashboards name a user: full name, else username; blank for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def name_from_values(username, first_name, last_name) -> str:
    """person_name for a row read with .values() (no User instance)."""
    return f"{first_name or ''} {last_name or ''}".strip() or username or ""


#: Long lists show this many rows on the page; the CSV (criteria.extra["all_rows"]) has them all.
PAGE_ROWS = 50


def page_rows(rows: list, criteria, limit: int = PAGE_ROWS) -> dict:
    """Table keyword arguments for a long list: its first rows on the page, every row in the CSV."""
    if criteria.extra.get("all_rows") or len(rows) <= limit:
        return {"rows": rows}
    return {"rows": rows[:limit], "total": len(rows)}


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, money, int, date, percent

    @property
    def numeric(self) -> bool:
        return self.kind in {"money", "int", "percent"}


@dataclass
class Table:
    """Rows of plain values (Decimal money, ints, dates, text); links live in `row_links`."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    empty: str = "Nothing to show for these filters."
    link_column: str = ""  # column whose cell links to row["_url"]
    footer: dict | None = None
    #: How many rows there are when `rows` holds only the first few (the CSV holds them all).
    total: int | None = None

    @property
    def stacked(self) -> bool:
        """Lists of records (a column links to each) stack their rows on a phone, as the lists do
        (even four columns of names and dates overflow 390 px); tables of figures keep their grid
        and scroll inside their region."""
        return bool(self.link_column)

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    def display_rows(self):
        for row in self.rows:
            yield {
                "url": row.get("_url"),
                "danger": row.get("_danger", False),
                "cells": [self._cell(col, row.get(col.key)) for col in self.columns],
            }

    def body_html(self):
        """The table's body rows as HTML (what `display_rows` gives, marked up).

        Built here rather than in the template: the template's loop over every cell cost
        about 25 µs a cell, 25 ms for the pipeline's 1,000 cells; the same markup from Python
        costs a tenth of that. Every value is escaped.
        """
        out = []
        # Stacked rows label each cell with its column (static/crm/app.css shows it on a phone).
        labels = (
            [f' data-label="{conditional_escape(c.label)}"' for c in self.columns]
            if self.stacked
            else [""] * len(self.columns)
        )
        for row in self.display_rows():
            url = conditional_escape(row["url"]) if row["url"] else ""
            cells = []
            for cell, label in zip(row["cells"], labels):
                css = ("text-end text-nowrap" if cell["numeric"] else "") + (
                    " text-danger fw-semibold" if cell["danger"] else ""
                )
                text = conditional_escape(cell["text"])
                if cell["link"] and url:
                    text = f'<a href="{url}">{text}</a>'
                cells.append(f'<td class="{css}"{label}>{text}</td>')
            opening = '<tr class="table-danger">' if row["danger"] else "<tr>"
            out.append(opening + "".join(cells) + "</tr>")
        return mark_safe("\n".join(out))

    def display_footer(self):
        if self.footer is None:
            return None
        return [self._cell(col, self.footer.get(col.key)) for col in self.columns]

    def _cell(self, column, value):
        if value is None or value == "":
            text = "—" if column.numeric else ""
        elif column.kind == "money":
            text = format_money(value)
        elif column.kind == "int":
            text = f"{value:,}"
        elif column.kind == "percent":
            text = f"{value:.0%}"
        elif column.kind == "date":
            text = f"{value:%-d %b %Y}"
        else:
            text = str(value)
        return {
            "text": text,
            "numeric": column.numeric,
            "link": column.key == self.link_column,
            "danger": column.key == "status" and value == "Not covered",
        }

    def to_csv(self) -> str:
        """The table as CSV, with formula-like cells neutralised for spreadsheet programs."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([safe_cell(c.label) for c in self.columns])
        for row in self.rows:
            writer.writerow([safe_cell(csv_value(c, row.get(c.key))) for c in self.columns])
        if self.footer is not None:
            writer.writerow([safe_cell(csv_value(c, self.footer.get(c.key))) for c in self.columns])
        return out.getvalue()


def csv_value(column, value):
    if value is None:
        return ""
    if column.kind == "money":
        return f"{money(value)}"
    if column.kind == "date":
        return value.isoformat()
    return value


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_PREFIXES:
        # A plain negative number (a favours balance) stays a number; anything else is prefixed.
        if text[0] == "-" and _is_number(text):
            return text
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except Exception:
        return False


@dataclass
class Figure:
    label: str
    value: Decimal | int
    kind: str = "money"
    note: str = ""
    key: str = ""

    @property
    def text(self) -> str:
        if self.kind == "money":
            return format_money(self.value)
        if self.kind == "percent":
            return f"{self.value:.0%}"
        return f"{self.value:,}"


@dataclass
class Section:
    """A chart and the table that holds its numbers (either may be absent)."""

    title: str
    table: Table | None = None
    chart: str = ""  # HTML from dashboards.charts.render
    note: str = ""
    wide: bool = False


@dataclass
class Board:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    context: dict = field(default_factory=dict)

    @property
    def tables(self) -> dict[str, Table]:
        return {s.table.key: s.table for s in self.sections if s.table is not None}

    def figure(self, key: str):
        return next(f.value for f in self.figures if f.key == key)
