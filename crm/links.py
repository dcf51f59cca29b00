"""Record URLs for long lists."""

from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = "987654321"
#: (view name, script prefix, URLconf) -> the view's URL with _PLACEHOLDER for the pk.
_patterns: dict[tuple, str] = {}


def detail_url(viewname: str):
    """pk -> the record's URL, reversing once: reverse() per row costs ~0.1 ms, and boards
    and dashboards list hundreds of records."""
    pattern = reverse(viewname, args=[int(_PLACEHOLDER)])
    return lambda pk: pattern.replace(_PLACEHOLDER, str(pk))


def record_url(viewname: str, pk) -> str:
    """reverse(viewname, args=[pk]) for a view taking one integer pk, reversed once per view.

    For models' get_absolute_url: a list page links each of its 50 rows to a record or two,
    and ~100 reverse() calls were a tenth of its server time. The pattern is kept per script
    prefix and URLconf, which a request or a test may set.
    """
    if not isinstance(pk, int):  # unsaved, or not a number: reverse() says what is wrong
        return reverse(viewname, args=[pk])
    key = (viewname, get_script_prefix(), get_urlconf())
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _patterns[key] = reverse(viewname, args=[int(_PLACEHOLDER)])
    return pattern.replace(_PLACEHOLDER, str(pk))
