"""Turn an uploaded file (bytes) into a table of strings, or refuse it with a clear reason.

Everything a spreadsheet or another tool may hand us is handled here: the
encoding (UTF-8 with or without BOM, UTF-16 as Excel's "Unicode Text" saves it,
Windows-1252), the delimiter, preamble
lines above the header row, and XLSX workbooks. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import io
from collections import Counter
from dataclasses import dataclass

from django.conf import settings

ALLOWED_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SCAN_ROWS = 30  # rows examined to find the header row


class ImportRejected(Exception):
    """The whole file is refused; the message is shown to the user as is."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    line_numbers: list[int]
    encoding: str = "utf-8"
    delimiter: str = ","
    filename: str = ""
    skipped_lines: int = 0  # preamble lines above the header row
    header_line: int = 1

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    def __len__(self):
        return len(self.rows)


def gc_paused(func):
    """Run func with the cyclic garbage collector off (reference counting still frees memory).

    A 100,000-row file builds a few million small lists, dicts and tuples that all stay
    alive until the step ends; each automatic collection would walk every one of them
    again for nothing (it once cost a third of the import time). Nested calls keep the
    collector off until the outermost one returns.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


def _human_size(num: int) -> str:
    if num >= 1024 * 1024:
        return f"{num / (1024 * 1024):.1f} MB"
    if num >= 1024:
        return f"{num / 1024:.0f} KB"
    return f"{num} bytes"


@gc_paused
def read_table(data: bytes, filename: str) -> Table:
    """Read a CSV/TSV/TXT/XLSX upload into headers and rows of strings."""
    name = (filename or "").strip()
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise ImportRejected(
            f"“{name or 'The file'}” is not a file we can import: use a .csv, .txt, .tsv or .xlsx file."
        )
    limit = settings.CRM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRejected(f"The file is {_human_size(len(data))}; the limit is {_human_size(limit)}.")
    if not data.strip():
        raise ImportRejected("The file is empty.")
    if ext == ".xlsx":
        raw_rows, encoding, delimiter = _read_xlsx(data), "xlsx", ""
        numbered = [(i + 1, row) for i, row in enumerate(raw_rows)]
    else:
        text, encoding = _decode(data)
        delimiter = "\t" if ext == ".tsv" else _detect_delimiter(text)
        numbered = _parse_csv(text, delimiter)
    table = _build_table(numbered)
    table.encoding, table.delimiter, table.filename = encoding, delimiter, name
    return table


# --- decoding -------------------------------------------------------------------------------


def _utf16(data: bytes) -> str | None:
    """Excel's "Unicode Text" (and some Windows tools) save UTF-16 with a byte-order mark; without
    one, ASCII-heavy UTF-16 shows as a zero byte beside nearly every other byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4000]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _decode(data: bytes) -> tuple[str, str]:
    utf16 = _utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise ImportRejected(
                "The file says it is UTF-16 (Excel's Unicode Text) but cannot be read as that."
            ) from None
        return text.lstrip("\ufeff"), utf16
    if b"\x00" in data[:65536]:
        raise ImportRejected("This looks like a binary file, not a CSV text file.")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportRejected("The file says it is UTF-8 but contains bytes that are not UTF-8.") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is None:
            raise ImportRejected("This looks like a binary file, not a CSV text file.")
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            raise ImportRejected("This looks like a binary file, not a CSV text file.") from None
        encoding = best.encoding
    else:
        encoding = "cp1252"
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(5, len(text[:20000]) // 100):
        raise ImportRejected("This looks like a binary file, not a CSV text file.")
    return text, encoding


# --- delimiter ------------------------------------------------------------------------------


def _detect_delimiter(text: str) -> str:
    sample_lines = [line for line in text[:65536].splitlines()[:60] if line.strip()]
    sample = "\n".join(sample_lines)
    candidates = {d: _consistency(sample, d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best = max(candidates, key=lambda d: candidates[d])
    if sniffed in candidates and candidates[sniffed] >= candidates[best] and candidates[sniffed][1] > 1:
        return sniffed
    return best if candidates[best][1] > 1 else ","


def _consistency(sample: str, delimiter: str) -> tuple[int, int]:
    """(rows sharing the modal cell count, that count) for a delimiter."""
    try:
        counts = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if any(r)]
    except csv.Error:
        return (0, 0)
    if not counts:
        return (0, 0)
    modal, freq = Counter(counts).most_common(1)[0]
    if modal <= 1:
        return (0, modal)
    return (freq, modal)


# --- parsing --------------------------------------------------------------------------------


def _parse_csv(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    numbered = []
    start = 1
    try:
        for row in reader:
            numbered.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc) or "unexpected end" in str(exc):
            raise ImportRejected(
                f'Line {start} has a quote (") that is never closed, so the rest of the file cannot be read.'
            ) from None
        raise ImportRejected(f"Line {start} cannot be read: {exc}.") from None
    return numbered


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportRejected(
            "This .xlsx file cannot be opened: it is damaged or not really an Excel workbook."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    # Trailing empty columns are common in spreadsheets.
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    return rows


def _is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _alias_score(row: list[str]) -> int:
    from .mapping import is_known_header

    return sum(1 for cell in row if cell.strip() and is_known_header(cell))


def _find_header(candidates: list[tuple[int, list[str]]]) -> int:
    """Index (in candidates) of the header row."""
    scan = candidates[:SCAN_ROWS]
    for i, (_, row) in enumerate(scan):
        filled = [c for c in row if c.strip()]
        score = _alias_score(row)
        if score >= 2 and score * 2 >= len(filled):
            return i
    counts = Counter(len([c for c in row if c.strip()]) for _, row in candidates[: SCAN_ROWS * 4])
    modal = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    for i, (_, row) in enumerate(scan):
        if len([c for c in row if c.strip()]) >= modal:
            return i
    return 0


def _build_table(numbered: list[tuple[int, list[str]]]) -> Table:
    candidates = [(line, row) for line, row in numbered if not _is_blank(row)]
    if not candidates:
        raise ImportRejected("The file is empty.")
    h = _find_header(candidates)
    header_line, raw_headers = candidates[h]
    while raw_headers and not raw_headers[-1].strip():
        raw_headers = raw_headers[:-1]
    headers = _clean_headers(raw_headers)
    width = len(headers)
    rows, lines = [], []
    for line, row in candidates[h + 1 :]:
        if len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                raise ImportRejected(f"Line {line} has {len(row)} cells but the header has {width}.")
            row = row[:width]
        elif len(row) < width:
            row = row + [""] * (width - len(row))
        rows.append([cell.strip() for cell in row])
        lines.append(line)
    if not rows:
        raise ImportRejected("The file has a header row but no data rows.")
    return Table(headers=headers, rows=rows, line_numbers=lines, skipped_lines=header_line - 1, header_line=header_line)


def _clean_headers(raw: list[str]) -> list[str]:
    headers, seen = [], Counter()
    for i, cell in enumerate(raw, start=1):
        name = " ".join(cell.replace("\ufeff", "").split()) or f"Column {i}"
        seen[name.lower()] += 1
        if seen[name.lower()] > 1:
            name = f"{name} ({seen[name.lower()]})"
        headers.append(name)
    return headers
