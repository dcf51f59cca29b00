"""Text bound for a spreadsheet cell: never run as a formula (OWASP CSV injection).

Every CSV or XLSX the app writes (list exports, dashboard tables, invoices) goes
through these, so a contact named "=HYPERLINK(...)" opens as text, not a link.
"""

#: A cell starting with one of these may be run as a formula by a spreadsheet.
FORMULA_PREFIXES = frozenset(("=", "+", "-", "@", "\t", "\r"))


def neutralise(value):
    """Prefix a quote to text a spreadsheet would run as a formula; numbers pass as they are."""
    if value.__class__ is str and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def safe_text(value) -> str:
    """``str`` then ``neutralise``, fused: the commonest cell of all."""
    if value is None:
        return ""
    if value.__class__ is not str:
        value = str(value)
    return "'" + value if value[:1] in FORMULA_PREFIXES else value
