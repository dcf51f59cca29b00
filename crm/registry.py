"""Extension points of the core, filled by the apps above it from `AppConfig.ready()`.

The core's pages (organisation, contact, event and My follow-ups pages, the
organisation list) and its duties (roles, erasure, subject access) gather parts that
belong to apps the core must not import. Each app contributes its part here instead,
the way `django.contrib.admin`'s site collects each app's ModelAdmins: the core
iterates what was registered and never names the app.

Registration happens once per process, in `ready()`; registering the same name twice
replaces the earlier entry, so a reloaded app does not show its panel twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

# --- panels on core pages ------------------------------------------------------------------

#: Slots panels are rendered in. In the core: the record pages ("record_actions" are the buttons
#: beside an organisation's or contact's name), My follow-ups (and its empty state), the event
#: page, a list's action buttons (obj is the list's name, e.g. "contacts"). Above the core:
#: the pipeline dashboard and pledge page, which sit above the core but gather from apps beside them.
SLOTS = (
    "organisation",
    "organisation_stats",
    "contact",
    "record_actions",
    "followups",
    "followups_empty",
    "event",
    "list_actions",
    "dashboard_pipeline",
    "pledge",
)


@dataclass(frozen=True)
class Panel:
    """A piece of a core page contributed by another app.

    `context(obj, request)` returns the template's context (obj is the page's record, or
    None on list pages) in a fixed number of queries; returning None hides the panel.
    `permission` hides it from users without that permission.
    """

    slot: str
    name: str
    template: str
    context: Callable[[Any, Any], dict | None]
    permission: str | None = None
    order: int = 100


@dataclass
class RenderedPanel:
    name: str
    template: str
    context: dict


_panels: dict[str, dict[str, Panel]] = {}


def register_panel(panel: Panel) -> None:
    if panel.slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {panel.slot!r}; the core renders {', '.join(SLOTS)}.")
    _panels.setdefault(panel.slot, {})[panel.name] = panel


def panels(slot: str) -> list[Panel]:
    return sorted(_panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def render_panels(slot: str, obj, request) -> list[RenderedPanel]:
    """The panels of `slot` this user may see, each with its context computed."""
    user = getattr(request, "user", None)
    shown = []
    for panel in panels(slot):
        if panel.permission and not (user is not None and user.has_perm(panel.permission)):
            continue
        context = panel.context(obj, request)
        if context is not None:
            shown.append(RenderedPanel(panel.name, panel.template, context))
    return shown


# --- timeline sources ----------------------------------------------------------------------

#: name → callable(organisation=None, contact=None[, limit=None]) yielding
#: crm.selectors.timeline.Entry, one query per source whatever the number of entries. A
#: source that accepts `limit` gives only its newest `limit` entries (the page shows the
#: newest hundred); one that does not is cut after it has given them all.
_timeline_sources: dict[str, tuple[Callable[..., Iterable], bool]] = {}


def register_timeline_source(name: str, source: Callable[..., Iterable]) -> None:
    takes_limit = "limit" in inspect.signature(source).parameters
    _timeline_sources[name] = (source, takes_limit)


def timeline_sources() -> list[tuple[Callable[..., Iterable], bool]]:
    """(source, whether it takes limit=) pairs."""
    return list(_timeline_sources.values())


#: name → callable(interaction ids) returning {id: (url, note)} for the core's interaction
#: entries another app knows more about (an email's message and attachments), one query.
_interaction_links: dict[str, Callable[[list[int]], dict]] = {}


def register_interaction_links(name: str, provider: Callable[[list[int]], dict]) -> None:
    _interaction_links[name] = provider


def interaction_links() -> list[Callable[[list[int]], dict]]:
    return list(_interaction_links.values())


# --- the organisation list's figures, columns and filters -----------------------------------


@dataclass(frozen=True)
class ListExtension:
    """Figures another app adds to a core list ("organisation" or "contact").

    `annotations()` returns name → expression correlated to the row (OuterRef("pk")),
    `columns()` the django-tables2 (name, Column) pairs shown after the core's figures,
    `filters(org_path)` name → django-filter Filter, where org_path leads from the listed
    model to its organisation ("" for organisations, "organisation" for contacts).
    """

    name: str
    annotations: Callable[[], dict] = dict
    columns: Callable[[], list[tuple[str, Any]]] = list
    filters: Callable[[str], dict] = lambda org_path: {}
    order: int = 100


_list_extensions: dict[str, dict[str, ListExtension]] = {}


def register_list_extension(list_name: str, extension: ListExtension) -> None:
    _list_extensions.setdefault(list_name, {})[extension.name] = extension


def list_extensions(list_name: str) -> list[ListExtension]:
    return sorted(_list_extensions.get(list_name, {}).values(), key=lambda e: (e.order, e.name))


# --- admin inlines on core models ---------------------------------------------------------

#: model label ("crm.organisation") → inline classes other apps hang off that model's admin page.
_admin_inlines: dict[str, dict[str, type]] = {}


def register_admin_inline(model_label: str, inline: type) -> None:
    """Called from an app's admin.py (the admin imports those at start-up, after the core's)."""
    _admin_inlines.setdefault(model_label, {})[f"{inline.__module__}.{inline.__qualname__}"] = inline


def admin_inlines(model_label: str) -> list[type]:
    return list(_admin_inlines.get(model_label, {}).values())


# --- role rules ----------------------------------------------------------------------------


@dataclass
class RoleRules:
    """Which of an app's models staff may change, and which each user keeps for themself.

    Every model of a registered app gets permissions for the three roles: the Organiser
    everything, the Committee view only, Staff view only unless listed in `staff_editable`.
    """

    app_label: str
    staff_editable: set[str] = field(default_factory=set)
    personal: set[str] = field(default_factory=set)


_role_rules: dict[str, RoleRules] = {}


def register_role_rules(app_label: str, *, staff_editable=(), personal=()) -> None:
    _role_rules[app_label] = RoleRules(app_label, set(staff_editable), set(personal))


def role_rules() -> dict[str, RoleRules]:
    return dict(_role_rules)


# --- personal data duties ------------------------------------------------------------------

#: name → callable(contact, user) run inside the erasure's transaction.
_erasure_hooks: dict[str, Callable[[Any, Any], None]] = {}
#: name → callable(contact) returning JSON-ready rows for the subject access export.
_subject_access_sections: dict[str, Callable[[Any], list[dict]]] = {}


def register_erasure_hook(name: str, hook: Callable[[Any, Any], None]) -> None:
    _erasure_hooks[name] = hook


def erasure_hooks() -> list[Callable[[Any, Any], None]]:
    return list(_erasure_hooks.values())


def register_subject_access_section(name: str, section: Callable[[Any], list[dict]]) -> None:
    _subject_access_sections[name] = section


def subject_access_sections() -> dict[str, Callable[[Any], list[dict]]]:
    return dict(_subject_access_sections)


# --- documents a record offers -------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A file an app renders from a record (a pledge's agreement PDF).

    Apps that send or show files (the email composer attaches them) list what a record
    offers here, so neither app imports the other. `render(obj)` returns
    (filename, content bytes, mimetype); `available(obj)` hides a document a record cannot
    have yet (no agreement for a declined pledge); `permission` is needed to fetch it.
    """

    model: str  # model label, e.g. "sponsors.pledge"
    name: str  # unique per model, e.g. "agreement"
    label: str  # what a person sees, e.g. "Sponsorship agreement (PDF)"
    render: Callable[[Any], tuple[str, bytes, str]]
    permission: str | None = None
    available: Callable[[Any], bool] = lambda obj: True


_documents: dict[str, dict[str, Document]] = {}


def register_document(document: Document) -> None:
    _documents.setdefault(document.model.lower(), {})[document.name] = document


def documents_for(model_label: str) -> list[Document]:
    return list(_documents.get(model_label.lower(), {}).values())


def document(model_label: str, name: str) -> Document | None:
    return _documents.get(model_label.lower(), {}).get(name)


# --- synthetic data steps ------------------------------------------------------------------


@dataclass(frozen=True)
class DataStep:
    """Synthetic data an app adds after the core and domain data exist (generate_data).

    `run(scale=, seed=, log=)` creates the app's rows for the scale ("small", "medium",
    "large") from the rows already there, deterministically for a seed; `log(str)` reports
    progress. `clear()` deletes them before the core's rows are cleared (--clear).
    """

    name: str
    run: Callable[..., None]
    clear: Callable[[], None] = lambda: None
    order: int = 100


_data_steps: dict[str, DataStep] = {}


def register_data_step(step: DataStep) -> None:
    _data_steps[step.name] = step


def data_steps() -> list[DataStep]:
    return sorted(_data_steps.values(), key=lambda s: (s.order, s.name))


# --- demo data steps -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStep:
    """Demo data an app adds to the demo world (seed_demo), after the core and domain demo rows.

    `run(today=)` creates the app's demo rows from the demo rows already there (the demo event,
    its pledges, organisations and users); it runs once, inside seed_demo's transaction, when the
    demo world is first built. Steps run in (order, name) order. It may return lines for
    seed_demo to print (a secret shown once, such as an API token's key); None prints nothing.
    """

    name: str
    run: Callable[..., None]
    order: int = 100


_demo_steps: dict[str, DemoStep] = {}


def register_demo_step(step: DemoStep) -> None:
    _demo_steps[step.name] = step


def demo_steps() -> list[DemoStep]:
    return sorted(_demo_steps.values(), key=lambda s: (s.order, s.name))


# --- API resources -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiResource:
    """A REST resource an app serves under /api/<prefix>/ (its DRF viewset).

    The API app routes every registered resource; the viewset relies on the project's
    REST_FRAMEWORK defaults (authentication, role permissions, pagination, filtering,
    throttling), so the app that owns the models need not import the API app.
    """

    prefix: str
    viewset: type
    basename: str


_api_resources: dict[str, ApiResource] = {}


def register_api_resource(resource: ApiResource) -> None:
    _api_resources[resource.prefix] = resource


def api_resources() -> list[ApiResource]:
    return list(_api_resources.values())


# --- events the outside world may be told about (webhooks) -------------------------------------


@dataclass(frozen=True)
class EventType:
    """Something that happened that a webhook may subscribe to (e.g. "agreement.signed").

    Apps above the core declare their events here and publish them with `publish_event`; the
    API app delivers them to the webhooks that chose them, so no app imports the API app.
    """

    name: str
    label: str


_event_types: dict[str, EventType] = {}
_event_listeners: dict[str, Callable[[str, Callable[[], dict]], None]] = {}


def register_event_type(name: str, label: str) -> None:
    _event_types[name] = EventType(name, label)


def event_types() -> list[EventType]:
    return list(_event_types.values())


def register_event_listener(name: str, listener: Callable[[str, Callable[[], dict]], None]) -> None:
    """`listener(event_name, data)` is called once the publishing transaction commits;
    `data()` builds the payload, only when someone listens."""
    _event_listeners[name] = listener


def publish_event(event: str, data: Callable[[], dict]) -> None:
    """Tell every listener about `event` after the current transaction commits (a rolled-back
    write tells no one)."""
    from django.db import transaction

    if event not in _event_types:
        raise KeyError(f"unknown event {event!r}: register_event_type() it in AppConfig.ready()")
    for listener in list(_event_listeners.values()):
        transaction.on_commit(partial(listener, event, data))


# --- named actions one feature app offers another ----------------------------------------------

#: Actions an app offers by name, so another app can use it without importing it: for example
#: "mail.send_template" (send a templated email and file it on the contact's timeline) or
#: "invoicing.raise_invoice". The name's first part is the app that registers it; a caller
#: checks `action(name)` for None when the offering app may be absent.
_actions: dict[str, Callable[..., Any]] = {}


def register_action(name: str, function: Callable[..., Any]) -> None:
    _actions[name] = function


def action(name: str) -> Callable[..., Any] | None:
    return _actions.get(name)


# --- the retention report's other personal data ----------------------------------------------


@dataclass(frozen=True)
class RetentionSection:
    """Personal data an app keeps that is due for deletion, shown on the retention report beside
    the stale contacts (e.g. a sponsor's guest list, kept for N days after the event).

    `rows(now)` returns dicts with "label", "detail", "count" and optionally "url" (a page where
    the organiser can act), in a fixed number of queries.
    """

    name: str
    title: str
    rows: Callable[[Any], list[dict]]
    permission: str | None = None
    order: int = 100


_retention_sections: dict[str, RetentionSection] = {}


def register_retention_section(section: RetentionSection) -> None:
    _retention_sections[section.name] = section


def retention_sections() -> list[RetentionSection]:
    return sorted(_retention_sections.values(), key=lambda s: (s.order, s.name))


# --- fields other apps add to a core or domain record's API representation ----------------------

#: model label ("sponsors.pledge") → name → provider(ids) returning {id: JSON-ready value} for the
#: records of a page, in a fixed number of queries (ids without a value are left out and read None).
_api_fields: dict[str, dict[str, Callable[[list[int]], dict]]] = {}


def register_api_field(model_label: str, name: str, provider: Callable[[list[int]], dict]) -> None:
    _api_fields.setdefault(model_label.lower(), {})[name] = provider


def api_fields(model_label: str) -> dict[str, Callable[[list[int]], dict]]:
    return dict(_api_fields.get(model_label.lower(), {}))


#: model label → name → make() returning a query expression (e.g. a Case over an Exists) whose
#: JSON-ready value is that field of each record: read in the list's own query, no query of its own.
_api_annotations: dict[str, dict[str, Callable[[], Any]]] = {}


def register_api_annotation(model_label: str, name: str, make_expression: Callable[[], Any]) -> None:
    _api_annotations.setdefault(model_label.lower(), {})[name] = make_expression


def api_annotations(model_label: str) -> dict[str, Any]:
    """name → a fresh expression, for the fields other apps compute in the record's own query."""
    return {name: make() for name, make in _api_annotations.get(model_label.lower(), {}).items()}


#: model label → name → make() returning a django-filter Filter added to that model's API list
#: (e.g. publicpages' `/api/pledges/?source=application form`), so the API filters by a field
#: another app adds without importing it. A fresh Filter each time: a filter set owns its filters.
_api_filters: dict[str, dict[str, Callable[[], Any]]] = {}


def register_api_filter(model_label: str, name: str, make_filter: Callable[[], Any]) -> None:
    _api_filters.setdefault(model_label.lower(), {})[name] = make_filter


def api_filters(model_label: str) -> dict[str, Any]:
    return {name: make() for name, make in _api_filters.get(model_label.lower(), {}).items()}


# --- merging duplicate records -------------------------------------------------------------


@dataclass(frozen=True)
class MergeConflict:
    """Something a merge cannot decide alone, asked on the merge screen before anything moves.

    `key` is unique within one merge (e.g. "partners.profile", "sponsors.pledge.event-3");
    `choices` are (value, label) pairs, and the chosen value comes back to the hook's `move`
    in `resolutions[key]`.
    """

    key: str
    question: str
    choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MergeHook:
    """How one app's rows follow a record merged into another ("crm.contact", "crm.organisation").

    Every hook is called inside the merge's transaction, with both records locked:

    - `preview(losing, keeping)` → {"interactions": 42, "follow-ups": 3}: what would move, for
      the merge screen (plural labels; zero counts may be left out), in a fixed few queries.
    - `conflicts(losing, keeping)` → [MergeConflict]: what a person must decide first (two partner
      profiles, two pledges for one event). A merge is refused until each has a resolution.
    - `move(losing, keeping, resolutions)` → a JSON-ready record of what it did (ids moved,
      rows deleted as duplicates with their values): everything of the app's that points at
      `losing` must point at `keeping` (or be gone) when it returns; the losing record is then
      deleted, and the core refuses the merge if any row would go with it.
    - `undo(losing, keeping, record)` puts back what `move` recorded; `losing` exists again (same
      primary key, its own fields) when it is called. Hooks are undone in reverse order.

    Helpers for the usual cases (a foreign key moved and moved back, rows kept as JSON and
    restored) are in crm.merging.
    """

    name: str
    model: str
    preview: Callable[[Any, Any], dict[str, int]]
    move: Callable[[Any, Any, dict], dict]
    undo: Callable[[Any, Any, dict], None]
    conflicts: Callable[[Any, Any], list[MergeConflict]] = lambda losing, keeping: []
    order: int = 100


_merge_hooks: dict[str, dict[str, MergeHook]] = {}


def register_merge_hook(hook: MergeHook) -> None:
    _merge_hooks.setdefault(hook.model.lower(), {})[hook.name] = hook


def merge_hooks(model_label: str) -> list[MergeHook]:
    return sorted(_merge_hooks.get(model_label.lower(), {}).values(), key=lambda h: (h.order, h.name))


# --- "this looks like X" before a record is saved --------------------------------------------


@dataclass(frozen=True)
class PossibleDuplicate:
    """An existing record a new one looks like, for a warning with a link."""

    pk: int
    label: str
    url: str
    reasons: tuple[str, ...]
    score: int = 0


#: model label → name → callable(values: dict) → [PossibleDuplicate]. `values` holds the new
#: record's fields as a form would save them (first_name, last_name, email, phone, organisation
#: (an id or None) for a contact; name, website for an organisation).
_duplicate_checks: dict[str, dict[str, Callable[[dict], list[PossibleDuplicate]]]] = {}


def register_duplicate_check(model_label: str, name: str, check: Callable[[dict], list[PossibleDuplicate]]) -> None:
    _duplicate_checks.setdefault(model_label.lower(), {})[name] = check


def possible_duplicates(model_label: str, values: dict) -> list[PossibleDuplicate]:
    """What every registered check finds for these values, best first, each record once."""
    found: dict[int, PossibleDuplicate] = {}
    for check in _duplicate_checks.get(model_label.lower(), {}).values():
        for match in check(values):
            if match.pk not in found or match.score > found[match.pk].score:
                found[match.pk] = match
    return sorted(found.values(), key=lambda m: (-m.score, m.pk))
