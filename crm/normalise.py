"""Normal forms used to decide when two records are the same thing.

The import, the forms and the database constraints all call these, so "Acme Ltd",
"ACME Limited" and "The Acme" can never become three organisations.
"""
import re
import unicodedata

_LEGAL_SUFFIXES = ("limited", "ltd", "plc", "llp", "cic")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def organisation_key(name: str) -> str:
    """Case, punctuation, "&"/"and", "Ltd"/"Limited" and a leading "The" are ignored."""
    text = (name or "").replace("\u2019", "'")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("'", "")
    words = _NON_WORD.sub(" ", text).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def email_key(email: str) -> str:
    """Emails compare trimmed and case-insensitively."""
    return (email or "").strip().lower()
