"""Exports of every list: the list's own filter set, then CSV or XLSX, safe to open.

One code path for the web view (spreadsheets/views/exports.py) and the ``export_csv``
command. Columns come from the resources in spreadsheets/resources/exports.py; rows are
streamed from ``values_list`` in chunks so memory stays flat at 100,000 rows.
"""

import codecs
import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Protocol

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from crm.cells import FORMULA_PREFIXES, neutralise, safe_text
from crm.filters import ContactFilter, FollowUpFilter, InteractionFilter, OrganisationFilter
from crm.models import Contact, FollowUp, Interaction, Organisation
from crm.selectors.records import contact_rows, organisation_rows
from sponsors.filters import PledgeFilter
from sponsors.models import Pledge
from spreadsheets.resources import exports as resources
from spreadsheets.resources.exports import (
    TAGS,
    ContactExportResource,
    FollowUpExportResource,
    InteractionExportResource,
    OrganisationExportResource,
    PledgeExportResource,
)

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
TRUE_VALUES = frozenset(("1", "true", "yes", "on"))
#: Query-string keys of the list page or of the export itself, never filters.
IGNORED_KEYS = ("page", "sort", "format", "include_do_not_contact")


class UnknownTarget(LookupError):
    pass


class InvalidFilter(ValueError):
    """The query string does not validate against the list's filter set."""

    def __init__(self, errors):
        self.errors = errors
        detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        super().__init__(f"Invalid filter: {detail}")


@dataclass(frozen=True)
class ExportTarget:
    """One exportable list: its model, the list's own filter set and base rows, the resource."""

    name: str
    model: type
    filterset: type
    resource: type
    select_related: tuple = ()
    order_by: tuple = ("pk",)
    tags: bool = False
    #: the list's own base queryset (its filters may use its annotations)
    rows: Callable[[], QuerySet] | None = None

    @property
    def model_class(self):
        return self.model

    @property
    def permission(self) -> str:
        opts = self.model._meta
        return f"{opts.app_label}.view_{opts.model_name}"

    def filterset_class(self):
        return self.filterset

    def base_queryset(self):
        queryset = self.rows() if self.rows else self.model._default_manager.all()
        return queryset.select_related(*self.select_related).order_by(*self.order_by)


#: Every list that can be exported, named as the URL and export_csv name them.
TARGETS = {
    target.name: target
    for target in (
        ExportTarget(
            "contacts",
            Contact,
            ContactFilter,
            ContactExportResource,
            ("organisation", "owner"),
            ("last_name", "first_name", "id"),
            tags=True,
            rows=contact_rows,
        ),
        ExportTarget(
            "organisations",
            Organisation,
            OrganisationFilter,
            OrganisationExportResource,
            ("owner",),
            ("name", "id"),
            tags=True,
            rows=organisation_rows,
        ),
        ExportTarget(
            "pledges",
            Pledge,
            PledgeFilter,
            PledgeExportResource,
            ("organisation", "event", "tier", "owner"),
            ("-amount", "id"),
        ),
        ExportTarget(
            "interactions",
            Interaction,
            InteractionFilter,
            InteractionExportResource,
            ("organisation", "contact", "logged_by"),
            ("-occurred_at", "-id"),
        ),
        ExportTarget(
            "followups",
            FollowUp,
            FollowUpFilter,
            FollowUpExportResource,
            ("assignee", "organisation", "contact"),
            ("due_date", "id"),
        ),
    )
}


def get_target(name: str) -> ExportTarget:
    try:
        return TARGETS[name]
    except KeyError:
        raise UnknownTarget(f"Unknown export “{name}”: choose one of {', '.join(TARGETS)}.") from None


def wants_do_not_contact(data) -> bool:
    return str(data.get("include_do_not_contact", "")).strip().lower() in TRUE_VALUES


def filtered_queryset(target: ExportTarget, data, request=None, include_do_not_contact=False):
    """Exactly the rows the list shows for this query string (minus do-not-contact people)."""
    filterset = target.filterset_class()(data, queryset=target.base_queryset(), request=request)
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidFilter(filterset.errors)
    queryset = filterset.qs
    if target.name == "contacts" and not include_do_not_contact:
        queryset = queryset.filter(do_not_contact=False)
    order = [str(term) for term in queryset.query.order_by] or list(target.order_by)
    if not any(term.lstrip("-") in ("pk", "id") for term in order):
        queryset = queryset.order_by(*queryset.query.order_by, "pk")  # stable between runs
    return queryset


class Rows(Protocol):
    """What the file writers read: the header row, the target (for its sheet name) and the rows.
    A RowStream, or a wrapper that watches it (spreadsheets.services reports progress)."""

    headers: list[str]
    target: "ExportTarget"

    def __iter__(self) -> Iterator[list]: ...


class RowStream:
    """Iterates formatted, neutralised rows of a queryset; ``count`` is the number yielded so far."""

    def __init__(self, target: ExportTarget, queryset, chunk_size=CHUNK_SIZE):
        self.target = target
        self.queryset = queryset
        self.chunk_size = chunk_size
        self.resource = target.resource()
        self.columns = self.resource.stream_columns()
        self.headers = [header for _, header, _, _ in self.columns]
        self.count = 0
        self._tag_sql = None

    def _plan(self, naive=frozenset(), stored_zone=None):
        """values_list paths (pk first) and one compiled function turning a row into its cells.

        The function is generated once per export, so each of 100,000 rows costs one call
        per cell and nothing else: no per-cell branching on how a column is read. Plain
        text cells are neutralised inline (a call only for the rare cell that needs it).
        ``naive``: paths whose datetimes arrive naive, in ``stored_zone`` (read without
        Django's converters); they are made aware exactly as the converter would.
        """
        zone = timezone.get_current_timezone()
        paths = ["pk"]
        index = {}
        names = {
            "_neutral": neutralise,
            "_text": safe_text,
            "_P": FORMULA_PREFIXES,
            "_aw": lambda value: (
                value.replace(tzinfo=stored_zone) if value is not None and value.tzinfo is None else value
            ),
        }
        cells = []
        for n, (_, _, column_paths, formatter) in enumerate(self.columns):
            if formatter is resources.moment:
                formatter = resources.moment_in(zone)  # no time-zone lookup per row
            names[f"_f{n}"] = formatter
            if column_paths == (TAGS,):
                args = "tags.get(row[0], ())"
            else:
                positions = []
                for path in column_paths:
                    if path not in index:
                        index[path] = len(paths)
                        paths.append(path)
                    positions.append(index[path])
                if len(column_paths) == 1 and column_paths[0] in naive and getattr(formatter, "zone", None):
                    names[f"_f{n}"] = resources.naive_moment_in(formatter.zone, stored_zone)
                    args = f"row[{positions[0]}]"
                else:
                    args = ", ".join(
                        f"_aw(row[{position}])" if path in naive else f"row[{position}]"
                        for path, position in zip(column_paths, positions)
                    )
            if formatter is resources.number:
                expression = args
            elif formatter is resources.text and args.startswith("row[") and args.count("row[") == 1:
                # safe_text(row[i]) without the call when the cell is text that needs nothing
                expression = f"(_v if (_v := {args}).__class__ is str and _v[:1] not in _P else _text(_v))"
            elif formatter is resources.text:
                expression = f"_text({args})"  # format and neutralise in one call
            elif formatter in resources.SAFE_FORMATTERS or getattr(formatter, "zone_bound", False):
                expression = f"_f{n}({args})"
            else:
                expression = f"_neutral(_f{n}({args}))"
            cells.append(expression)
        source = f"def convert(row, tags):\n    return [{', '.join(cells)}]\n"
        exec(compile(source, f"<export {self.target.name}>", "exec"), names)
        return paths, names["convert"]

    def _tags(self, ids):
        m2m = self.target.model_class._meta.get_field("tags")
        source, tag = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
        names = {}
        for owner_id, name in self._tag_rows(m2m, source, tag, ids):
            names.setdefault(owner_id, []).append(name)
        return names

    def _tag_rows(self, m2m, source, tag, ids):
        """The rows of ``through.filter(<source>__in=ids).values_list(source, tag__name)``.

        Django's ``__in`` lookup prepares each of the 2,000 ids of a chunk one by one
        (a third of the export time): the query is compiled once with one id and its
        placeholder repeated for each chunk. Same SQL, so the same rows in the same order.
        """
        queryset = m2m.remote_field.through.objects.values_list(source, f"{tag}__name")
        if self._tag_sql is None:
            sql, params = queryset.filter(**{f"{source}__in": [0]}).query.sql_with_params()
            self._tag_sql = (sql, tuple(params)) if sql.count(" IN (%s)") == 1 and tuple(params) == (0,) else ()
        if not self._tag_sql or not ids:
            return queryset.filter(**{f"{source}__in": ids})
        unique = list(dict.fromkeys(ids))  # what the lookup does (an ordered set)
        sql = self._tag_sql[0].replace(" IN (%s)", f" IN ({', '.join(['%s'] * len(unique))})")
        with connection.cursor() as cursor:
            cursor.execute(sql, unique)
            return cursor.fetchall()

    def _raw_query(self, paths):
        """(sql, params, datetime paths) when ``values_list(*paths)`` can be read straight from the cursor.

        On SQLite, when every selected column is a plain stored field whose only
        conversion is the driver's own (text, numbers, booleans, dates) or making a
        datetime aware, Django's per-value converters are skipped: at 100,000 rows they
        cost as much as the query. Anything else (or another database) goes through the ORM.
        """
        if connection.vendor != "sqlite":
            return None
        queryset = self.queryset.values_list(*paths)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. pk__in=[]: the ORM knows there is nothing to fetch
            return None
        columns = [expression for expression, _, _ in compiler.select]
        if compiler.col_count != len(columns) or len(columns) != len(paths):
            return None
        for column in columns:
            field = getattr(column, "output_field", None)
            if (
                type(column).__name__ != "Col"
                or not _RAW_TYPES.get(field.get_internal_type())
                or hasattr(field, "from_db_value")
            ):
                return None
        moments = (
            frozenset(
                path
                for path, column in zip(paths, columns)
                if column.output_field.get_internal_type() == "DateTimeField"
            )
            if settings.USE_TZ
            else frozenset()
        )
        return sql, params, moments

    def __iter__(self):
        paths, convert = self._plan()
        raw = self._raw_query(paths)
        self._tag_sql = None
        if raw is None:
            rows = self.queryset.values_list(*paths).iterator(chunk_size=self.chunk_size)
            chunks = iter(lambda: list(islice(rows, self.chunk_size)), [])
        else:
            sql, params, moments = raw
            if moments:
                paths_again, convert = self._plan(naive=moments, stored_zone=connection.timezone)
                assert paths_again == paths
            chunks = self._raw_chunks(sql, params)
        for chunk in chunks:
            tags = self._tags([row[0] for row in chunk]) if self.target.tags else {}
            for row in chunk:
                self.count += 1
                yield convert(row, tags)

    def _raw_chunks(self, sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(self.chunk_size):
                yield chunk


#: Field types whose values the SQLite driver already returns as the ORM would (datetimes: but naive).
_RAW_TYPES = dict.fromkeys(
    (
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "CharField",
        "TextField",
        "EmailField",
        "URLField",
        "SlugField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "BooleanField",
        "DateField",
        "DateTimeField",
        "ForeignKey",
        "OneToOneField",
    ),
    True,
)


class _Buffer:
    """A write-only file that keeps what csv.writer gives it until taken."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def iter_csv(stream: Rows, bom=True, rows_per_part=500):
    """UTF-8 CSV bytes in parts of a few hundred rows (with a BOM so Excel reads UTF-8)."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    writer.writerow(stream.headers)
    head = buffer.take().encode("utf-8")
    yield (codecs.BOM_UTF8 + head) if bom else head
    rows = iter(stream)
    while part := list(islice(rows, rows_per_part)):
        writer.writerows(part)  # Decimals arrive to the penny, so str() is plain "1234.50"
        if len(part) == rows_per_part:
            yield buffer.take().encode("utf-8")
    tail = buffer.take()
    if tail:
        yield tail.encode("utf-8")


def write_xlsx(stream: Rows, file) -> None:
    """An XLSX workbook written row by row (openpyxl write-only) into ``file``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=stream.target.name.capitalize()[:31])
    bold = Font(bold=True)
    header = []
    for title in stream.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.freeze_panes = "A2"
    clean = ILLEGAL_CHARACTERS_RE.sub
    for cells in stream:
        row = []
        for value in cells:
            if value.__class__ is str:
                # Neutralised already; strip control characters XLSX cannot hold. A leading
                # "=" can no longer appear, so openpyxl never writes a formula.
                row.append(clean("", value) if value else value)
            elif value is None:
                row.append(None)
            else:
                money = WriteOnlyCell(sheet, value=value)
                money.number_format = "#,##0.00"
                row.append(money)
        sheet.append(row)
    workbook.save(file)


def export_filename(target: ExportTarget, fmt: str) -> str:
    return f"{target.name}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def xlsx_tempfile(stream: RowStream):
    """An anonymous temporary file holding the workbook, positioned at its start."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the caller closes it)
    write_xlsx(stream, handle)
    handle.seek(0)
    return handle


def read_csv_rows(data: bytes) -> list[list[str]]:
    """Parse exported CSV bytes back into rows (tests and tools)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
