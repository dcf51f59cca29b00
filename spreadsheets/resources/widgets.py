"""django-import-export widgets that clean one cell each, with messages a user can act on.

Every widget raises ValueError with a user-facing reason; the import engine
reports it against the line and column. Lookups (organisations, events,
contacts) read from caches the resource fills once per file, so cleaning a
100,000-row file does not query the database per row.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.validators import validate_email
from django.utils import timezone
from import_export import widgets

from crm.normalise import email_key, organisation_key

DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%b %d, %Y",
    "%B %d, %Y",
)
TIME_FORMATS = ("%H:%M", "%H:%M:%S")
_EMAIL_QUICK = re.compile(r"^[^@\s,;<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class TextWidget(widgets.CharWidget):
    def __init__(self, max_length: int | None = None, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        # cells arrive as stripped strings; single-line fields also fold inner runs of spaces
        text = "" if value is None else str(value)
        text = (
            (" ".join(text.split()) if "  " in text or "\n" in text or "\t" in text else text.strip())
            if self.max_length
            else text.strip()
        )
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"is {len(text)} characters long; the limit is {self.max_length}.")
        return text


class _EmailCheck:
    """Django's ``validate_email`` step for step (its own regex and domain check), with each
    domain's verdict cached: a file of 100,000 addresses has a few hundred domains, and the
    domain check (IDNA, the domain regex) was most of the cost. tests/crm/test_import_speedpaths.py
    holds it to Django's answers.
    """

    def __init__(self):
        self.domains: dict[str, bool] = {}

    def __call__(self, value: str) -> bool:
        if not value or "@" not in value or len(value) > 320:
            return False
        user_part, domain_part = value.rsplit("@", 1)
        if not validate_email.user_regex.match(user_part):
            return False
        if domain_part in validate_email.domain_allowlist:
            return True
        ok = self.domains.get(domain_part)
        if ok is None:
            ok = bool(validate_email.validate_domain_part(domain_part))
            if len(self.domains) < 100_000:
                self.domains[domain_part] = ok
        return ok


class EmailWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        text = email_key(str(value or ""))
        text = text.removeprefix("mailto:")
        if not _EMAIL_QUICK.match(text):
            raise ValueError(f"“{value}” is not a valid email address.")
        try:
            check = self._check
        except AttributeError:
            check = self._check = _EmailCheck()
        if not check(text):
            raise ValueError(f"“{value}” is not a valid email address.")
        return text


def _parse_date(text: str) -> dt.date | None:
    text = " ".join(text.split())
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class FlexibleDateWidget(widgets.DateWidget):
    """ISO (2025-03-31), UK (31/03/2025) or words (31 Mar 2025)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip()
        if len(text) >= 19 and text[10] in " T":  # a spreadsheet datetime at midnight
            text = text[:10]
        parsed = _parse_date(text)
        if parsed is None:
            raise ValueError(f"“{value}” is not a date: use 2025-03-31, 31/03/2025 or 31 Mar 2025.")
        return parsed


class FlexibleDateTimeWidget(widgets.DateTimeWidget):
    """A date, or a date and a time; naive values are in the site's time zone."""

    def clean(self, value, row=None, **kwargs):
        text = " ".join(str(value).replace("T", " ").split())
        parsed = None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            date_part, _, time_part = text.rpartition(" ") if ":" in text else (text, "", "")
            day = _parse_date(date_part)
            if day is not None:
                if not time_part:
                    parsed = dt.datetime.combine(day, dt.time(9, 0))
                else:
                    for fmt in TIME_FORMATS:
                        try:
                            parsed = dt.datetime.combine(day, dt.datetime.strptime(time_part, fmt).time())
                            break
                        except ValueError:
                            continue
        if parsed is None:
            raise ValueError(f"“{value}” is not a date and time: use 2025-03-31 14:30 or 31/03/2025 14:30.")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed


class MoneyWidget(widgets.DecimalWidget):
    """“£1,234.50”, “1234”, “GBP 50” → Decimal; negative or silly amounts are refused."""

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip().replace(",", "").replace("£", "").replace(" ", "")
        if text.upper().startswith("GBP"):
            text = text[3:]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{value}” is not an amount: use 1234.50 or £1,234.50.") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"“{value}” is not an amount: use a number of pounds, 0 or more.")
        if amount >= Decimal("10000000000") or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(f"“{value}” is not an amount in pounds and pence.")
        return amount.quantize(Decimal("0.01"))


class ChoiceWidget(widgets.CharWidget):
    """Accepts a choice's value or its label, in any case."""

    def __init__(self, choices, what: str, **kwargs):
        self.lookup = {}
        for key, label in choices:
            for alias in (key, label, str(label).replace(" ", "_")):
                self.lookup[re.sub(r"[^a-z0-9]+", "", str(alias).lower())] = key
        self.what = what
        self.names = ", ".join(str(label).lower() for key, label in choices if key)
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        key = re.sub(r"[^a-z0-9]+", "", str(value).lower())
        if key not in self.lookup:
            raise ValueError(f"“{value}” is not a {self.what}: use one of {self.names}.")
        return self.lookup[key]


class YesNoWidget(widgets.BooleanWidget):
    TRUE = {"yes", "y", "true", "1", "x", "t"}
    FALSE = {"no", "n", "false", "0", "f"}

    def clean(self, value, row=None, **kwargs):
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"“{value}” is not yes or no.")


class ListWidget(widgets.CharWidget):
    """“a, b; c” → ["a", "b", "c"] (order kept, duplicates dropped)."""

    def clean(self, value, row=None, **kwargs):
        seen, items = set(), []
        for part in re.split(r"[,;|]|:::", str(value)):
            part = " ".join(part.split()).lstrip("* ")  # Google marks system labels "* myContacts"
            if part.lower() in ("mycontacts", "starred"):
                continue
            if part and part.lower() not in seen:
                seen.add(part.lower())
                items.append(part[:60])
        return items


class RolesWidget(ListWidget):
    def __init__(self, choices, **kwargs):
        self.choice = ChoiceWidget(choices, "role")
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return sorted({self.choice.clean(item) for item in super().clean(value, row, **kwargs)})


class OrganisationRef(tuple):
    """(name_key, name, id or None): an organisation found, or one to be created by name."""

    __slots__ = ()

    def __new__(cls, key, name, pk):
        return super().__new__(cls, (key, name, pk))

    key = property(lambda self: self[0])
    name = property(lambda self: self[1])
    pk = property(lambda self: self[2])


class OrganisationWidget(widgets.ForeignKeyWidget):
    """Finds an organisation by its normalised name (“ACME Limited” is “Acme Ltd”).

    With create_missing, an unknown name becomes a reference to a new organisation
    (contacts import); otherwise it is an error (pledges, interactions).
    """

    def __init__(self, create_missing=False, **kwargs):
        from crm.models import Organisation

        self.create_missing = create_missing
        self.cache: dict[str, tuple[int, str]] | None = None
        super().__init__(Organisation, field="name_key", **kwargs)

    def load(self):
        self.cache = {key: (pk, name) for pk, key, name in self.model.objects.values_list("pk", "name_key", "name")}

    def clean(self, value, row=None, **kwargs):
        if self.cache is None:
            self.load()
            self.seen = {}
        try:
            return self.seen[value]
        except KeyError:
            pass
        result = self._resolve(value)
        if len(self.seen) < 200_000:
            self.seen[value] = result
        return result

    def _resolve(self, value):
        name = " ".join(str(value).split())
        key = organisation_key(name)
        if not key:
            raise ValueError(f"“{value}” is not an organisation name.")
        found = self.cache.get(key)
        if found:
            return OrganisationRef(key, found[1], found[0])
        if self.create_missing:
            return OrganisationRef(key, name[:200], None)
        raise ValueError(f"No organisation called “{name}”: add it first or check the spelling.")


class LookupWidget(widgets.ForeignKeyWidget):
    """Finds a record by a case-insensitive unique field, from a cache loaded once."""

    def __init__(self, model, field, what, normalise=lambda v: " ".join(str(v).split()).lower(), **kwargs):
        self.what, self.normalise, self.cache = what, normalise, None
        super().__init__(model, field=field, **kwargs)

    def load(self):
        self.cache = {}
        for pk, value in self.model.objects.values_list("pk", self.field):
            self.cache.setdefault(self.normalise(value), pk)

    def clean(self, value, row=None, **kwargs):
        if self.cache is None:
            self.load()
        pk = self.cache.get(self.normalise(value))
        if pk is None:
            raise ValueError(f"No {self.what} “{value}”: add it first or check the spelling.")
        return pk
