"""Money as the pages show it: £12,345, whole pounds, a real minus sign.

Django's floatformat:"0g" goes through the localisation machinery (~35 µs a value);
boards and dashboards show hundreds of amounts, so this formats directly.
"""

from decimal import Decimal, InvalidOperation


def format_money(value) -> str:
    try:
        value = Decimal(value or 0)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"
