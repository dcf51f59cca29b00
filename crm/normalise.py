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


#: Honorifics a name may start with, as they are written on the contact (any case, with or
#: without a full stop, and the spelled-out forms, are read as these).
HONORIFICS = {
    "dr": "Dr",
    "doctor": "Dr",
    "prof": "Prof",
    "professor": "Prof",
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "cllr": "Cllr",
    "councillor": "Cllr",
    "sir": "Sir",
    "dame": "Dame",
    "rev": "Rev",
    "revd": "Rev",
    "reverend": "Rev",
    "lord": "Lord",
    "lady": "Lady",
}


def honorific(word: str) -> str | None:
    """ "Dr." → "Dr", "COUNCILLOR" → "Cllr"; None when the word is not an honorific."""
    return HONORIFICS.get((word or "").strip().rstrip(".").lower())


def split_salutation(name: str) -> tuple[str, str]:
    """("Cllr Dr", "Jane Smith") from "Cllr Dr Jane Smith": the honorifics before a name.

    A lone word is left alone ("Lady" may be all a spreadsheet knows of her name).
    """
    words = " ".join((name or "").split()).split(" ")
    found = []
    while len(words) > 1 and (title := honorific(words[0])):
        found.append(title)
        words.pop(0)
    return " ".join(found), " ".join(words)
