"""Export a list to CSV or XLSX from the shell, through the same code as the web export."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from spreadsheets import exports


class Command(BaseCommand):
    help = (
        "Export contacts, organisations, pledges, interactions or followups with the list's filters "
        "(--filter field=value, as in the list's query string)."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", choices=list(exports.TARGETS))
        parser.add_argument("-o", "--output", metavar="FILE", help="Write here instead of standard output.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="A filter of the list, repeatable (e.g. --filter owner=3 --filter do_not_contact=false).",
        )
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "--include-do-not-contact",
            action="store_true",
            help="Keep contacts marked do-not-contact (left out by default).",
        )

    def handle(self, *args, target, output, filter, format, include_do_not_contact, **options):
        spec = exports.get_target(target)
        data = QueryDict(mutable=True)
        for pair in filter:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--filter needs FIELD=VALUE, got “{pair}”.")
            data.appendlist(key.strip(), value)
        try:
            queryset = exports.filtered_queryset(spec, data, include_do_not_contact=include_do_not_contact)
        except exports.InvalidFilter as error:
            raise CommandError(str(error)) from None
        stream = exports.RowStream(spec, queryset)
        if output:
            try:
                handle = open(output, "wb")  # noqa: SIM115 (closed below; the open alone may fail)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
            with handle:
                self._write(stream, format, handle, bom=True)
            self.stderr.write(f"Exported {stream.count} rows to {output}")
        else:
            self._write_stdout(stream, format)

    def _write(self, stream, fmt, handle, bom):
        if fmt == "xlsx":
            exports.write_xlsx(stream, handle)
        else:
            for part in exports.iter_csv(stream, bom=bom):
                handle.write(part)

    def _write_stdout(self, stream, fmt):
        binary = getattr(self.stdout._out, "buffer", None)
        if binary is None and self.stdout._out is sys.stdout:
            binary = getattr(sys.stdout, "buffer", None)
        if fmt == "xlsx":
            if binary is None:
                raise CommandError("XLSX is binary: give -o FILE.")
            self._write(stream, fmt, binary, bom=False)
            binary.flush()
            return
        # No BOM on standard output: it is for pipes and other tools, not for Excel.
        for part in exports.iter_csv(stream, bom=False):
            if binary is not None:
                binary.write(part)
            else:
                self.stdout._out.write(part.decode("utf-8"))
        if binary is not None:
            binary.flush()
