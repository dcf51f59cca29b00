"""Normal forms the duplicate rules compare: emails with and without plus-addressing and Gmail's
dots, UK phone numbers, people's and organisations' names, web and email domains.

Pure functions over strings, so the finder can run them over 100,000 rows quickly and the
tests can pin each one.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import phonenumbers

from crm.normalise import email_key, honorific, organisation_key

#: Free-mail providers: sharing one says nothing about working together.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "live.co.uk",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.co.uk",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "ntlworld.com",
        "talktalk.net",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "gmx.co.uk",
        "mail.com",
        "fastmail.com",
    }
)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
#: Words an organisation's initials skip ("Department for Education" is DfE, read "de").
_SMALL_WORDS = frozenset({"of", "for", "and", "the", "in", "on", "at", "to"})


def email_domain(email: str) -> str:
    email = email_key(email)
    return email.rpartition("@")[2] if "@" in email else ""


def email_without_plus(email: str) -> str:
    """ "jo+events@x.org" → "jo@x.org"."""
    email = email_key(email)
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    return f"{local.split('+', 1)[0]}@{domain}"


def gmail_key(email: str) -> str:
    """Gmail ignores dots and anything after a plus, and googlemail.com is gmail.com; "" for
    any other provider."""
    email = email_key(email)
    local, at, domain = email.rpartition("@")
    if not at or domain not in GMAIL_DOMAINS:
        return ""
    return f"{local.split('+', 1)[0].replace('.', '')}@gmail.com"


def phone_key(raw: str, region: str = "GB") -> str:
    """The number in E.164 ("+441134960044"), or "" when it is not a number.

    UK numbers take a fast path (0113 496 0044, +44 (0)113 496 0044, 0044 113 496 0044 are one
    number); others go through `phonenumbers`.
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    text = raw.replace("(0)", "")
    digits = _NON_DIGIT.sub("", text)
    if len(digits) < 7:
        return ""
    international = text.startswith("+") or digits.startswith("00")
    if international:
        digits = digits.removeprefix("00")
        if digits.startswith("44") and 11 <= len(digits) <= 13:
            return "+" + digits
    elif digits.startswith("0") and region == "GB" and 10 <= len(digits) <= 11:
        return "+44" + digits[1:]
    try:
        number = phonenumbers.parse(raw, None if international else region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _ascii_words(text: str) -> list[str]:
    text = (text or "").replace("\u2019", "'")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", text.lower().replace("'", "")).split()


def person_key(first_name: str, last_name: str) -> str:
    """ "Dr. Priya  Shah" and "priya shah" → "priya shah": case, accents, punctuation and
    honorifics typed into the name are ignored."""
    words = _ascii_words(f"{first_name} {last_name}")
    while len(words) > 1 and honorific(words[0]):
        words.pop(0)
    return " ".join(words)


def organisation_base(name: str) -> str:
    """The organisation's key (crm.normalise) without a bracketed part: "Leeds City Council
    (Digital)" → "leeds city council"."""
    return organisation_key(_BRACKETS.sub(" ", name or "")) or organisation_key(name)


def organisation_initials(name: str) -> str:
    """The first word, then the initials of the rest, short all-capital words kept as they are:
    "Leeds City Council" and "Leeds CC" → "leeds cc"; "" for a one-word name."""
    text = _BRACKETS.sub(" ", name or "")
    raw_words = re.findall(r"[A-Za-z0-9&]+", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    words = [w for w in raw_words if w.lower() not in _SMALL_WORDS and w != "&"]
    if len(words) < 2:
        return ""
    rest = []
    for word in words[1:]:
        if word.isupper() and len(word) <= 4:
            rest.append(word.lower())
        else:
            rest.append(word[0].lower())
    key = words[0].lower() + " " + "".join(rest)
    return key if organisation_key(key) else ""


def has_acronym(name: str) -> bool:
    """ "Leeds CC", "NHS West Yorkshire ICB": a short all-capital word after the first, which is
    what makes two names with the same initials look like one organisation."""
    words = re.findall(r"[A-Za-z]+", _BRACKETS.sub(" ", name or ""))[1:]
    return any(2 <= len(w) <= 4 and w.isupper() for w in words)


def website_domain(url: str) -> str:
    """ "https://www.Leeds.gov.uk/digital" → "leeds.gov.uk"."""
    url = (url or "").strip().lower()
    if not url:
        return ""
    if "//" not in url:
        url = "//" + url
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
