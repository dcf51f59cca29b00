"""Every URL of the project, for every role: who may see it, who may change through it.

The URL list comes from the resolver, not from this file, so a view added later is
checked automatically: a URL name missing from EXPECTED fails with "new view X: add it
to the permission matrix", and a view without a login check fails the anonymous test.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import Webhook
from api.services import create_token
from crm.models import CalendarFeed, Contact, FollowUp, ImportBatch, Interaction, Organisation
from crm.roles import role_app_labels
from crm.urls import PUBLIC_URLCONFS
from dashboards.models import SavedView
from duplicates.services import merge_records
from invoicing.services import issue_credit_note, raise_invoice, record_payment
from mail.models import EmailAttachment, EmailMessage, EmailTemplate, MailMerge
from partners.models import Favour
from portal import services as portal_services
from publicpages.models import PublicPage
from sponsors.models import BenefitDelivery, InKindContribution, SponsorshipTier
from sponsors.services import create_pledge
from spreadsheets.models import SpreadsheetJob
from tests.crm import factories
from tests.http import release

ROLES = ("anonymous", "committee", "staff", "organiser")
LOGIN = "login"  # a redirect to the sign-in page
OK = "ok"  # allowed: anything but 403 or a redirect to sign in (the write may still fail validation)
REDIRECT = "redirect"  # a redirect somewhere other than the sign-in page


def E(get, post=None):
    """Expected outcomes, one per role in ROLES order (anonymous, committee, staff, organiser)."""
    return {"get": dict(zip(ROLES, get)), "post": dict(zip(ROLES, post)) if post else None}


READ_ALL = (LOGIN, 200, 200, 200)
WRITE_STAFF = (LOGIN, 403, OK, OK)  # organisations, contacts, interactions, imports
WRITE_ORGANISER = (LOGIN, 403, 403, OK)  # pledges, in-kind, favours, follow-ups
POST_ONLY = (LOGIN, 405, 405, 405)
# The REST API answers anonymous requests 401 JSON (no sign-in page for programs).
API_READ = (401, 200, 200, 200)
API_WRITE_STAFF = (401, 403, OK, OK)
API_WRITE_ORGANISER = (401, 403, 403, OK)
API_READ_ONLY = (401, 403, 403, 405)  # events and tiers: the organiser edits them on the web

#: URL name → expected GET (and, for write views, POST) outcome per role.
EXPECTED = {
    # Sign-in pages are public; the home page sends everyone to the dashboard.
    "login": E(get=(200, REDIRECT, REDIRECT, REDIRECT)),
    "logout": E(get=(LOGIN, 405, 405, 405), post=(LOGIN, LOGIN, LOGIN, LOGIN)),  # signs out, back to sign in
    "crm:home": E(get=(LOGIN, REDIRECT, REDIRECT, REDIRECT)),
    # Organisations and contacts: everyone reads, staff and organisers change.
    "crm:organisation_list": E(get=READ_ALL),
    "crm:organisation_create": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:organisation_detail": E(get=READ_ALL),
    "crm:organisation_update": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:organisation_delete": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:contact_list": E(get=READ_ALL),
    "crm:contact_create": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:contact_detail": E(get=READ_ALL),
    "crm:contact_update": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:contact_delete": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    # Events: everyone reads, the organiser creates and edits them.
    "crm:event_list": E(get=READ_ALL),
    "crm:event_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "crm:event_detail": E(get=READ_ALL),
    "crm:event_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    # Follow-ups: everyone reads, only organisers change; the calendar feed is personal.
    "crm:followup_list": E(get=READ_ALL),
    "crm:followup_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "crm:followup_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "crm:followup_complete": E(get=POST_ONLY, post=WRITE_ORGANISER),
    "crm:followup_snooze": E(get=POST_ONLY, post=WRITE_ORGANISER),
    "crm:followup_reassign": E(get=POST_ONLY, post=WRITE_ORGANISER),
    "crm:calendar_feed": E(get=(200, 200, 200, 200)),  # the secret token is the credential
    "crm:calendar_feed_reset": E(get=POST_ONLY, post=(LOGIN, OK, OK, OK)),
    # Quick log (interactions) and lookups.
    "quicklog:quick_log": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "crm:lookup": E(get=READ_ALL),
    "crm:search": E(get=READ_ALL),
    # Imports: staff and organisers; the committee sees the history only.
    "spreadsheets:import_list": E(get=READ_ALL),
    "spreadsheets:import_upload": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "spreadsheets:import_map": E(get=(LOGIN, 403, REDIRECT, REDIRECT), post=WRITE_STAFF),
    "spreadsheets:import_preview": E(get=(LOGIN, 403, REDIRECT, REDIRECT), post=WRITE_STAFF),
    "spreadsheets:import_commit": E(get=(LOGIN, 403, REDIRECT, REDIRECT), post=WRITE_STAFF),
    "spreadsheets:import_detail": E(get=READ_ALL),
    "spreadsheets:import_undo": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    # Personal data: subject access, erasure and retention need the right to change contacts.
    "privacy:contact_sar": E(get=(LOGIN, 403, 200, 200)),
    "privacy:contact_erase": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "privacy:retention_report": E(get=(LOGIN, 403, 200, 200)),
    # Exports follow the view permission of what they export.
    "spreadsheets:export": E(get=READ_ALL),
    # Background jobs are personal: the matrix's job belongs to staff, so others get 404.
    "spreadsheets:job_list": E(get=READ_ALL),
    "spreadsheets:job_detail": E(get=(LOGIN, 404, 200, 404)),
    "spreadsheets:job_progress": E(get=(LOGIN, 404, 200, 404)),
    "spreadsheets:job_download": E(get=(LOGIN, 404, 200, 404)),
    # Dashboards: everyone reads; saved views are personal (another user's gives 404).
    "dashboards:dashboard": E(get=READ_ALL),
    "dashboards:dashboard_inkind": E(get=READ_ALL),
    "dashboards:dashboard_partners": E(get=READ_ALL),
    "dashboards:dashboard_activity": E(get=READ_ALL),
    "dashboards:dashboard_renewals": E(get=READ_ALL),
    "dashboards:dashboard_print": E(get=READ_ALL),
    "dashboards:dashboard_csv": E(get=READ_ALL),
    "dashboards:saved_view_create": E(get=POST_ONLY, post=(LOGIN, OK, OK, OK)),
    "dashboards:saved_view_delete": E(get=(LOGIN, 404, 404, 200), post=(LOGIN, 404, 404, OK)),
    # Pledges and in-kind: everyone reads, only organisers change.
    "sponsors:pledge_list": E(get=READ_ALL),
    "sponsors:pledge_board": E(get=READ_ALL),
    "sponsors:pledge_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "sponsors:pledge_detail": E(get=READ_ALL),
    "sponsors:pledge_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "sponsors:pledge_move": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "sponsors:benefit_update": E(get=(LOGIN, 403, 403, REDIRECT), post=WRITE_ORGANISER),
    "sponsors:pledge_tickets_update": E(get=(LOGIN, 403, 403, REDIRECT), post=WRITE_ORGANISER),
    "sponsors:event_tickets": E(get=READ_ALL),
    "sponsors:inkind_list": E(get=READ_ALL),
    "sponsors:inkind_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "sponsors:inkind_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "sponsors:inkind_status": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    # Partners and favours: everyone reads, only organisers change.
    "partners:partner_list": E(get=READ_ALL),
    "partners:favour_list": E(get=READ_ALL),
    "partners:favour_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "partners:favour_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    # Invoicing: everyone reads invoices, agreements and the network's details; only organisers write.
    "invoicing:invoice_list": E(get=READ_ALL),
    "invoicing:invoice_detail": E(get=READ_ALL),
    "invoicing:invoice_pdf": E(get=READ_ALL),
    "invoicing:credit_note_pdf": E(get=READ_ALL),
    "invoicing:agreement_pdf": E(get=READ_ALL),
    "invoicing:invoice_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "invoicing:payment_create": E(get=(LOGIN, 403, 403, REDIRECT), post=WRITE_ORGANISER),
    "invoicing:credit_note_create": E(get=(LOGIN, 403, 403, REDIRECT), post=WRITE_ORGANISER),
    "invoicing:network_details": E(get=READ_ALL, post=WRITE_ORGANISER),
    # Email: everyone reads; staff import and file messages (they log interactions); templates,
    # sending and mail merges are the organiser's.
    "mail:triage": E(get=READ_ALL),
    "mail:fetch_now": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "mail:upload": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "mail:message_detail": E(get=READ_ALL),
    "mail:message_file": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "mail:message_create_contact": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "mail:message_discard": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "mail:attachment_download": E(get=READ_ALL),
    "mail:template_list": E(get=READ_ALL),
    "mail:template_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "mail:template_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "mail:compose": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "mail:merge_list": E(get=READ_ALL),
    "mail:merge_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "mail:merge_detail": E(get=READ_ALL),
    "mail:merge_status": E(get=READ_ALL),
    "mail:merge_resume": E(get=(LOGIN, 403, 403, 405), post=WRITE_ORGANISER),
    # REST API (tests/api/test_permissions.py also tries PUT, PATCH and DELETE per role).
    "api:api-root": E(get=API_READ),
    "api:schema": E(get=API_READ),
    "api:organisation-list": E(get=API_READ, post=API_WRITE_STAFF),
    "api:organisation-detail": E(get=API_READ),
    "api:contact-list": E(get=API_READ, post=API_WRITE_STAFF),
    "api:contact-detail": E(get=API_READ),
    "api:interaction-list": E(get=API_READ, post=API_WRITE_STAFF),
    "api:interaction-detail": E(get=API_READ),
    "api:followup-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:followup-detail": E(get=API_READ),
    "api:followup-complete": E(get=(401, 405, 405, 405), post=API_WRITE_ORGANISER),
    "api:followup-snooze": E(get=(401, 405, 405, 405), post=API_WRITE_ORGANISER),
    "api:followup-reassign": E(get=(401, 405, 405, 405), post=API_WRITE_ORGANISER),
    "api:event-list": E(get=API_READ, post=API_READ_ONLY),
    "api:event-detail": E(get=API_READ),
    "api:tier-list": E(get=API_READ, post=API_READ_ONLY),
    "api:tier-detail": E(get=API_READ),
    "api:pledge-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:pledge-detail": E(get=API_READ),
    "api:pledge-move": E(get=(401, 405, 405, 405), post=API_WRITE_ORGANISER),
    "api:inkind-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:inkind-detail": E(get=API_READ),
    "api:favour-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:favour-detail": E(get=API_READ),
    # Invoicing's and mail's resources (registered from their apps): money is the organiser's;
    # issued invoices, payments and credit notes are never edited; emails are read-only.
    "api:invoice-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:invoice-detail": E(get=API_READ),
    "api:creditnote-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:creditnote-detail": E(get=API_READ),
    "api:payment-list": E(get=API_READ, post=API_WRITE_ORGANISER),
    "api:payment-detail": E(get=API_READ),
    "api:email-list": E(get=API_READ, post=(401, 403, 405, 405)),  # staff may add mail, not here
    "api:email-detail": E(get=API_READ),
    # Merging through the API: staff and organisers (as on the web).
    "api:contact-merge-list": E(get=(401, 405, 405, 405), post=API_WRITE_STAFF),
    "api:organisation-merge-list": E(get=(401, 405, 405, 405), post=API_WRITE_STAFF),
    # Any other URL under /api/ (a bogus id, a typo): JSON 404 for everyone.
    "api:not_found": E(get=(404, 404, 404, 404), post=(404, 404, 404, 404)),
    # API docs for every role; tokens are each user's own (another's gives 404); webhooks are the organiser's.
    "api:docs": E(get=READ_ALL),
    "api:token_list": E(get=READ_ALL, post=(LOGIN, OK, OK, OK)),
    "api:token_revoke": E(get=POST_ONLY, post=(LOGIN, 404, 404, OK)),
    # Two-factor sign-in is each user's own; the verify step sends users without a device on.
    "api:otp_setup": E(get=READ_ALL, post=(LOGIN, OK, OK, OK)),
    "api:otp_verify": E(get=(LOGIN, REDIRECT, REDIRECT, REDIRECT), post=(LOGIN, REDIRECT, REDIRECT, REDIRECT)),
    "api:webhook_list": E(get=(LOGIN, 403, 403, 200)),
    "api:webhook_create": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "api:webhook_detail": E(get=(LOGIN, 403, 403, 200)),
    "api:webhook_update": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "api:webhook_delete": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "api:webhook_test": E(get=(LOGIN, 403, 403, 405), post=WRITE_ORGANISER),
    # Renewals: everyone reads an event's renewal figures through the API (read-only);
    "api:event-renewals-list": E(get=API_READ, post=API_READ_ONLY),
    # the organiser plans the next event (a new event, tiers, pledges, follow-ups).
    "renewals:plan_next_event": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    # Duplicates: everyone reads the pairs, the merges and the rules; staff and organisers find,
    # decide "not duplicates", merge and undo; only the organiser changes the rules.
    "duplicates:candidate_list": E(get=READ_ALL),
    "duplicates:find_now": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "duplicates:not_duplicates": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "duplicates:merge_contacts": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "duplicates:merge_organisations": E(get=(LOGIN, 403, 200, 200), post=WRITE_STAFF),
    "duplicates:merge_list": E(get=READ_ALL),
    "duplicates:merge_detail": E(get=READ_ALL),
    "duplicates:merge_undo": E(get=(LOGIN, 403, 405, 405), post=WRITE_STAFF),
    "duplicates:rules": E(get=READ_ALL, post=WRITE_ORGANISER),
    # Public pages: an event's settings are the organiser's; everyone reads who applied.
    "publicpages:settings": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "publicpages:application_list": E(get=READ_ALL),
    # The holes in the login wall (crm/urls.py PUBLIC_URLCONFS): the same for everyone, signed in or
    # not. The empty POST is refused with the form's message (400), never half-written.
    "public:prospectus": E(get=(200, 200, 200, 200), post=(400, 400, 400, 400)),
    "public:prospectus_pdf": E(get=(200, 200, 200, 200)),
    "public:wall": E(get=(200, 200, 200, 200), post=(405, 405, 405, 405)),
    "public:wall_json": E(get=(200, 200, 200, 200), post=(405, 405, 405, 405)),
    "public:wall_logo": E(get=(404, 404, 404, 404)),  # the matrix's sponsor has no approved logo
    # The sponsor portal, the organiser's side: everyone reads its state; the organiser invites,
    # revokes, voids, reviews logos, reminds, deletes guest lists past retention and sets it up.
    "portal:invite": E(get=(LOGIN, 405, 405, 405), post=WRITE_ORGANISER),
    "portal:revoke": E(get=(LOGIN, 405, 405, 405), post=WRITE_ORGANISER),
    "portal:agreement_void": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    "portal:agreement_pdf": E(get=READ_ALL),
    "portal:logo_review": E(get=POST_ONLY, post=WRITE_ORGANISER),
    "portal:logo_file": E(get=READ_ALL),
    "portal:settings": E(get=READ_ALL, post=WRITE_ORGANISER),
    "portal:missing": E(get=READ_ALL),
    "portal:remind": E(get=POST_ONLY, post=WRITE_ORGANISER),
    "portal:guest_export": E(get=READ_ALL),
    "portal:guests_delete": E(get=(LOGIN, 403, 403, 200), post=WRITE_ORGANISER),
    # The sponsor's side: open without an account (crm/urls.py PUBLIC_URLCONFS); the token is
    # the credential, so a wrong one is the same 404 for everyone, signed in or not (a valid one:
    # test_the_sponsor_portal_opens_with_its_token_for_anyone below).
    "sponsor_portal:page": E(get=(404, 404, 404, 404)),
    "sponsor_portal:sign": E(get=(405, 405, 405, 405), post=(404, 404, 404, 404)),
    "sponsor_portal:billing": E(get=(405, 405, 405, 405), post=(404, 404, 404, 404)),
    "sponsor_portal:details": E(get=(405, 405, 405, 405), post=(404, 404, 404, 404)),
    "sponsor_portal:logo": E(get=(405, 405, 405, 405), post=(404, 404, 404, 404)),
    "sponsor_portal:logo_file": E(get=(404, 404, 404, 404)),
    "sponsor_portal:guests": E(get=(405, 405, 405, 405), post=(404, 404, 404, 404)),
    "sponsor_portal:agreement_pdf": E(get=(404, 404, 404, 404)),
    "sponsor_portal:invoice_pdf": E(get=(404, 404, 404, 404)),
}


#: Views anonymous users may reach; every other view must send them to sign in.
ANONYMOUS_ALLOWED = {"login", "logout", "crm:calendar_feed", "api:not_found"}  # the last: JSON 404
ANONYMOUS_ALLOWED |= {name for name in EXPECTED if name.split(":")[0] in {ns for _, ns in PUBLIC_URLCONFS}}
#: REST API routes: anonymous requests get 401 JSON instead of the sign-in page.
API_401 = {name for name, e in EXPECTED.items() if e["get"]["anonymous"] == 401}

#: Values for string converters, per URL name and keyword.
STR_VALUES = {
    ("spreadsheets:export", "target"): "contacts",
    ("dashboards:dashboard_csv", "board"): "pipeline",
    ("dashboards:dashboard_csv", "table"): "stages",
    ("spreadsheets:import_map", "token"): "no-such-upload",
    ("spreadsheets:import_preview", "token"): "no-such-upload",
    ("spreadsheets:import_commit", "token"): "no-such-upload",
    ("invoicing:invoice_detail", "number"): "INV-0001",
    ("invoicing:invoice_pdf", "number"): "INV-0001",
    ("invoicing:payment_create", "number"): "INV-0001",
    ("invoicing:credit_note_create", "number"): "INV-0001",
    ("invoicing:credit_note_pdf", "number"): "CN-0001",
    ("api:not_found", "rest"): "contacts/abc/",
    ("public:prospectus", "slug"): "launch",
    ("public:prospectus_pdf", "slug"): "launch",
    ("public:wall", "slug"): "launch",
    ("public:wall_json", "slug"): "launch",
    ("public:wall_logo", "slug"): "launch",
    ("public:wall_logo", "key"): "0123456789ab",
    ("public:wall_logo", "size"): "small",
    ("portal:guest_export", "file_format"): "csv",
    ("sponsor_portal:invoice_pdf", "number"): "INV-0001",
}
#: Query strings some pages need to show something (a lookup type, the status to confirm).
QUERY = {
    "crm:lookup": "?type=organisation&q=Acme",
    "sponsors:inkind_status": "?status=confirmed",
}
#: URL name prefix → the fixture object whose pk fills an <int:pk>.
PK_OBJECT = {
    "crm:organisation_": "organisation",
    "crm:contact_": "contact",
    "privacy:contact_": "contact",
    "crm:followup_": "followup",
    "crm:event_": "event",
    "spreadsheets:import_": "batch",
    "spreadsheets:job_": "job",
    "dashboards:saved_view_": "saved_view",
    "sponsors:pledge_": "pledge",
    "sponsors:inkind_": "inkind",
    "sponsors:benefit_": "benefit",
    "sponsors:event_": "event",
    "partners:favour_": "favour",
    "invoicing:agreement_": "pledge",
    "invoicing:invoice_create": "pledge",
    "mail:message_": "email_message",
    "mail:attachment_": "email_attachment",
    "mail:template_": "email_template",
    "mail:merge_": "mail_merge",
    "api:organisation-": "organisation",
    "api:contact-": "contact",
    "api:interaction-": "interaction",
    "api:followup-": "followup",
    "api:event-": "event",
    "api:tier-": "tier",
    "api:pledge-": "pledge",
    "api:inkind-": "inkind",
    "api:favour-": "favour",
    "api:invoice-": "invoice",
    "api:creditnote-": "credit_note",
    "api:payment-": "payment",
    "api:email-": "email_message",
    "api:token_": "token",
    "api:webhook_": "webhook",
    "renewals:plan_": "event",
    "duplicates:merge_": "merge",
    "publicpages:": "event",
    "public:wall_logo": "pledge",
    "portal:invite": "pledge",
    "portal:revoke": "pledge",
    "portal:agreement_": "agreement",
    "portal:logo_": "logo",
    "portal:missing": "event",
    "portal:remind": "event",
    "portal:guest_export": "event",
    "portal:guests_delete": "event",
    "sponsor_portal:": "pledge",
}

#: Words that mark a URL as a write (split on "_", whole words).
WRITE_WORDS = {
    "create",
    "new",
    "add",
    "update",
    "edit",
    "delete",
    "move",
    "status",
    "commit",
    "undo",
    "complete",
    "snooze",
    "reassign",
    "log",
    "reset",
    "upload",
    "map",
    "preview",
    "erase",
    "erasure",
    "anonymise",
    "restore",
    "merge",
    "archive",
    "consent",
    "plan",
}
#: Writes every role makes for itself only (its saved views and calendar link).
PERSONAL_WRITES = {"dashboards:saved_view_create", "dashboards:saved_view_delete", "crm:calendar_feed_reset"}
PERSONAL_MODELS = {"dashboards.savedview", "crm.calendarfeed"}


def walk(patterns, prefix="", namespace=""):
    """(route, full URL name, pattern) for every pattern, through nested includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def project_urls():
    """Every (route, name) of the project except the admin site, which has its own staff check."""
    return [(route, name) for route, name, _ in walk(get_resolver().url_patterns) if not route.startswith("admin/")]


URLS = project_urls()
URL_NAMES = sorted({name or f"<unnamed {route}>" for route, name in URLS})
CONVERTER = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<kw>\w+)>")


def _png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 200), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Users are signed in with force_login here: skip the slow password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(organiser, committee, staff, settings, tmp_path):
    """One object of each kind the URLs point at (a fresh set for every test)."""
    from django.core.cache import cache

    cache.clear()  # the sponsor portal's rate limits count per process
    ev = factories.event()
    org = factories.organisation(name="Acme Digital", owner=organiser)
    person = factories.contact(org)
    pledge = create_pledge(organisation=org, event=ev, amount=Decimal("2500"), stage="approached", user=organiser)
    inkind = InKindContribution.objects.create(
        organisation=org, event=ev, category="venue", description="Room", estimated_value=Decimal("500")
    )
    favour = Favour.objects.create(
        organisation=org, direction="we_asked", description="Room", status="done", estimated_value=Decimal("500")
    )
    followup = FollowUp.objects.create(
        organisation=org,
        contact=person,
        title="Chase",
        assignee=organiser,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    batch = ImportBatch.objects.create(target="contacts", file_name="people.csv", created_by=staff)
    saved_view = SavedView.objects.create(
        owner=organiser, name="Mine", url_name="dashboards:dashboard", query_string=""
    )
    feed = CalendarFeed.objects.create(user=organiser, token="matrix-test-feed-token")
    invoiced = create_pledge(organisation=org, event=ev, amount=Decimal("900"), stage="confirmed", user=organiser)
    invoice = raise_invoice(invoiced, po="PO-1")  # INV-0001
    credit_note = issue_credit_note(invoice, amount="1", reason="Typo")  # CN-0001
    payment = record_payment(invoice, amount="100")
    benefit = BenefitDelivery.objects.create(pledge=invoiced, benefit="Logo on event materials")
    settings.MEDIA_ROOT = tmp_path / "media"
    email_message = EmailMessage.objects.create(
        message_id="<matrix@x>", from_address="new@else.example", subject="Hello", sent_at=timezone.now()
    )
    email_attachment = EmailAttachment(message=email_message, filename="a.txt", size=2)
    email_attachment.file.save("a.txt", ContentFile(b"hi"))
    email_template = EmailTemplate.objects.create(name="Thanks", subject="Thanks", body="Dear {{ first_name }}")
    mail_merge = MailMerge.objects.create(template=email_template, created_by=organiser)
    interaction = Interaction.objects.create(organisation=org, contact=person, summary="Call", logged_by=staff)
    tier = SponsorshipTier.objects.create(event=ev, name="Gold", price=Decimal("5000"))
    token, _ = create_token(user=organiser, name="matrix")
    PublicPage.objects.create(event=ev, slug="launch", prospectus_on=True, application_on=True, wall_on=True)
    webhook = Webhook.objects.create(
        name="Hook", url="https://hooks.example.org/crm", events=["pledge.paid"], secret="s"
    )
    job_file = settings.MEDIA_ROOT / "spreadsheets" / "jobs" / "1-matrix.csv"
    job_file.parent.mkdir(parents=True, exist_ok=True)
    job_file.write_bytes(b"Name\r\nAcme Digital\r\n")
    portal_pledge = create_pledge(organisation=org, event=ev, amount=Decimal("700"), stage="verbal", user=organiser)
    portal_link, _ = portal_services.create_link(portal_pledge, contact=person)
    agreement = portal_services.sign(portal_link, name="Ada", title="Director", authorised=True)
    logo = portal_services.submit_logo(portal_link, _png(), "logo.png")
    job = SpreadsheetJob.objects.create(
        kind="export",
        target="contacts",
        file_format="csv",
        status="done",
        created_by=staff,
        file_name="contacts.csv",
        summary="1 row exported",
        file_path="spreadsheets/jobs/1-matrix.csv",
    )
    merge = merge_records("contacts", factories.contact(org).pk, [factories.contact(org).pk], user=organiser)
    return {
        "users": {"organiser": organiser, "committee": committee, "staff": staff},
        "merge": merge,
        "organisation": org,
        "contact": person,
        "pledge": pledge,
        "inkind": inkind,
        "favour": favour,
        "followup": followup,
        "batch": batch,
        "saved_view": saved_view,
        "feed": feed,
        "benefit": benefit,
        "event": ev,
        "email_message": email_message,
        "email_attachment": email_attachment,
        "email_template": email_template,
        "mail_merge": mail_merge,
        "invoice": invoice,
        "credit_note": credit_note,
        "payment": payment,
        "interaction": interaction,
        "tier": tier,
        "token": token,
        "webhook": webhook,
        "job": job,
        "agreement": agreement,
        "logo": logo,
    }


def concrete_url(route, name, world):
    """The route with its converters filled from the fixture objects."""

    def fill(match):
        conv, kw = match.group("conv") or "str", match.group("kw")
        if conv == "int":
            key = next((obj for prefix, obj in PK_OBJECT.items() if name.startswith(prefix)), None)
            assert key, f"{name}: no fixture object for <int:{kw}>: add its prefix to PK_OBJECT"
            return str(world[key].pk)
        if name == "crm:calendar_feed" and kw == "token":
            return world["feed"].token
        if name.startswith("sponsor_portal:") and kw == "token":
            return "not-the-token"
        value = STR_VALUES.get((name, kw))
        assert value, f"{name}: no value for <{conv}:{kw}>: add one to STR_VALUES"
        return value

    return "/" + CONVERTER.sub(fill, route) + QUERY.get(name, "")


def client_for(role, world):
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def outcome(response):
    """The response as the matrix spells it: a status code, LOGIN or REDIRECT."""
    release(response)  # a file download's handle, which the test client leaves open
    if response.status_code in (301, 302, 303):
        return LOGIN if response["Location"].startswith(reverse("login")) else REDIRECT
    return response.status_code


def matches(expected, got):
    if expected == OK:
        return got not in (403, LOGIN)
    return expected == got


def route_of(name):
    return next(route for route, n in URLS if (n or f"<unnamed {route}>") == name)


def domain_counts():
    """Rows in every table of the CRM's apps (records, history, stage changes, imports...)."""
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in role_app_labels()
    }


def test_every_url_of_the_project_is_in_the_matrix():
    missing = [name for name in URL_NAMES if name not in EXPECTED]
    assert not missing, "\n".join(f"new view {name}: add it to the permission matrix" for name in missing)


def test_the_matrix_has_no_stale_entries():
    stale = sorted(set(EXPECTED) - set(URL_NAMES))
    assert not stale, f"URL names in EXPECTED that no longer exist: {stale}"


@pytest.mark.parametrize("name", URL_NAMES)
def test_get(name, world):
    """GET as each role in turn; the failure lists every URL/user pair that differs."""
    assert name in EXPECTED, f"new view {name}: add it to the permission matrix"
    url = concrete_url(route_of(name), name, world)
    wrong = []
    for role in ROLES:
        expected = EXPECTED[name]["get"][role]
        got = outcome(client_for(role, world).get(url))
        if not matches(expected, got):
            wrong.append(f"GET {url} as {role}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", [n for n in URL_NAMES if n in EXPECTED and EXPECTED[n]["post"]])
def test_post(name, world):
    """POST as each role in turn (refused roles first, so a refusal is checked against untouched data)."""
    url = concrete_url(route_of(name), name, world)
    wrong = []
    for role in ROLES:
        expected = EXPECTED[name]["post"][role]
        before = domain_counts()
        got = outcome(client_for(role, world).post(url, {}))
        if not matches(expected, got):
            wrong.append(f"POST {url} as {role}: expected {expected}, got {got}")
        elif got in (403, 404, 405) and domain_counts() != before:
            wrong.append(f"POST {url} as {role} was refused ({got}) but changed rows")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(API_401))
def test_anonymous_api_requests_get_401_json(name, world):
    url = concrete_url(route_of(name), name, world)
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 401, f"{method.upper()} {url} as anonymous: {response.status_code}"
        if name != "api:schema":  # the schema view answers in its own (OpenAPI) media type
            assert response["Content-Type"] == "application/json" and response.json()["detail"]


@pytest.mark.parametrize("name", [n for n in URL_NAMES if n not in ANONYMOUS_ALLOWED | API_401])
def test_anonymous_users_are_sent_to_sign_in(name, world):
    url = concrete_url(route_of(name), name, world)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert outcome(response) == LOGIN, f"{method.upper()} {url} as anonymous: not sent to sign in"
        assert f"next={url.split('?')[0]}" in response["Location"].replace("%2F", "/")


def test_the_calendar_feed_needs_its_secret_token(world):
    assert Client().get(concrete_url(route_of("crm:calendar_feed"), "crm:calendar_feed", world)).status_code == 200
    assert Client().get("/calendar/not-the-token.ics").status_code == 404


def is_write(name):
    return bool(set(re.split(r"[_:]", name)) & WRITE_WORDS)


WRITE_NAMES = [n for n in URL_NAMES if is_write(n)]


def test_the_write_list_finds_the_writes():
    assert {"quicklog:quick_log", "sponsors:pledge_move", "spreadsheets:import_undo", "crm:followup_snooze"} <= set(
        WRITE_NAMES
    )


@pytest.mark.parametrize("name", WRITE_NAMES)
def test_committee_cannot_write(name, world):
    """The committee reads everything and changes nothing but its own saved views and calendar link."""
    url = concrete_url(route_of(name), name, world)
    before = domain_counts()
    response = client_for("committee", world).post(url, {"name": "x", "url_name": "dashboards:dashboard"})
    after = domain_counts()
    changed = {label for label in before if before[label] != after[label]}
    if name in PERSONAL_WRITES:
        assert changed <= PERSONAL_MODELS, f"POST {url} as committee changed {changed}"
        assert (
            not SavedView.objects.filter(owner=world["users"]["organiser"]).exclude(pk=world["saved_view"].pk).exists()
        )
        assert SavedView.objects.filter(pk=world["saved_view"].pk).exists(), "deleted another user's saved view"
        assert CalendarFeed.objects.get(pk=world["feed"].pk).token == world["feed"].token
    else:
        assert response.status_code in (403, 405), f"POST {url} as committee: got {response.status_code}"
        assert not changed, f"POST {url} as committee changed {changed}"


def test_committee_cannot_change_records_with_valid_data(world):
    """Refused even with a complete, valid form (not only because the form was empty)."""
    client = client_for("committee", world)
    org = world["organisation"]
    response = client.post(reverse("crm:organisation_update", args=[org.pk]), {"name": "Hijacked Ltd"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme Digital"
    response = client.post(reverse("sponsors:pledge_move", args=[world["pledge"].pk]), {"to_stage": "paid"})
    assert response.status_code == 403
    world["pledge"].refresh_from_db()
    assert world["pledge"].stage == "approached"


# The admin site: its own staff check, so only is_staff users get in.
ADMIN_URLS = ("/admin/", "/admin/crm/organisation/", "/admin/auth/user/")


@pytest.mark.parametrize("path", ADMIN_URLS)
def test_anonymous_users_are_sent_away_from_the_admin(path, db):
    response = Client().get(path)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", ("committee", "staff", "organiser"))
@pytest.mark.parametrize("path", ADMIN_URLS)
def test_roles_without_is_staff_cannot_use_the_admin(path, role, world):
    user = world["users"][role]
    assert not user.is_staff
    response = client_for(role, world).get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"], f"{role} reached {path}"
    before = domain_counts()
    response = client_for(role, world).post(
        f"/admin/crm/organisation/{world['organisation'].pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert domain_counts() == before
    assert Organisation.objects.filter(pk=world["organisation"].pk).exists()
    assert Contact.objects.filter(pk=world["contact"].pk).exists()


def test_the_sponsor_portal_opens_with_its_token_for_anyone(world, settings):
    """The portal's only credential is its token: anonymous and every role see the page with it."""
    from django.core.cache import cache

    cache.clear()
    pledge = world["agreement"].pledge
    _, token = portal_services.create_link(pledge)
    for role in ROLES:
        response = client_for(role, world).get(f"/portal/{pledge.pk}/{token}/")
        assert response.status_code == 200, role
