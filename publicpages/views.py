"""Public pages (no sign-in: the prospectus and application, its PDF, the sponsor wall, its JSON
and logos) and the organiser's pages (an event's settings, its applications). Thin: forms parse,
services write, selectors read.

The public views are made reachable without signing in in one place, crm/urls.py (PUBLIC_URLCONFS);
each is rate-limited per address here and answers 404 when its page is off.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from crm.models import Event
from crm.ratelimit import rate_limit
from crm.views.auth import client_ip
from publicpages import selectors, services, wallcache
from publicpages.forms import HONEYPOT, ApplicationForm, PublicPageForm
from publicpages.models import PublicPage
from publicpages.rendering import render_pdf, thumbnail
from publicpages.services import SoldOut, render_fields
from publicpages.tables import ApplicationTable

#: The largest application request accepted (bytes): every field has its own limit far below.
MAX_APPLICATION_BYTES = 32 * 1024
#: How long browsers and caches may keep the wall (and the prospectus PDF) before asking again.
WALL_CACHE_SECONDS = 60
LOGO_CACHE_SECONDS = 365 * 24 * 60 * 60


def _limit(name: str, default: int):
    return lambda: int(getattr(settings, name, default))


# --- public: the prospectus and the application ------------------------------------------------------


def _prospectus_context(page: PublicPage) -> dict:
    tiers = selectors.tier_offers(page.event)
    return {"page": page, "event": page.event, "tiers": tiers}


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limit("public-page", limit=_limit("PUBLICPAGES_PAGE_LIMIT", 120), window=60, methods=("GET", "HEAD"))
@rate_limit("public-apply", limit=_limit("PUBLICPAGES_APPLY_LIMIT", 10), window=3600, methods=("POST",))
def prospectus(request, slug):
    """The event, its tiers with slots left (live), and the application form when it is open."""
    page = PublicPage.objects.select_related("event").filter(slug=slug).first()
    if page is None or not (page.prospectus_on or page.application_on):
        raise Http404("No such page.")
    context = _prospectus_context(page)
    if request.method != "POST":
        form = ApplicationForm(tiers=context["tiers"]) if page.application_on else None
        return render(request, "publicpages/prospectus.html", {**context, "form": form})
    if not page.application_on:
        return render(
            request,
            "publicpages/prospectus.html",
            {**context, "form": None, "refusal": "Applications for this event are closed."},
            status=403,
        )
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_APPLICATION_BYTES:
        form = ApplicationForm(tiers=context["tiers"])
        refusal = f"Your application is too long to send (over {MAX_APPLICATION_BYTES // 1024} KB). Please shorten it."
        return render(request, "publicpages/prospectus.html", {**context, "form": form, "refusal": refusal}, status=413)
    form = ApplicationForm(request.POST, tiers=context["tiers"])
    if form.is_valid():
        try:
            application = services.submit_application(page, form.data_for_service(), ip=client_ip(request))
        except SoldOut as error:
            context = _prospectus_context(page)  # slots read again: the page shows the tier sold out now
            form = ApplicationForm(request.POST, tiers=context["tiers"])
            form.is_valid()
            form.errors["tier"] = form.error_class([error.message_dict["tier"][0]])
            return render(request, "publicpages/prospectus.html", {**context, "form": form}, status=409)
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            thank_you = render_fields(page.thank_you, {"event": page.event.name})
            return render(
                request,
                "publicpages/applied.html",
                {"page": page, "event": page.event, "application": application, "thank_you": thank_you},
            )
    if form.refusal:  # a script's tell (honeypot, too fast, a stale form): the answers back, a new start time
        context.update(form=_fresh(form, context["tiers"]), refusal=form.refusal)
        return render(request, "publicpages/prospectus.html", context, status=400)
    return render(request, "publicpages/prospectus.html", {**context, "form": form}, status=400)


def _fresh(form: ApplicationForm, tiers) -> ApplicationForm:
    """The applicant's answers again with a new start time and the hidden field empty."""
    initial = {name: form.data.get(name, "") for name in form.fields if name not in (HONEYPOT, "started")}
    initial["consent"] = bool(form.data.get("consent"))
    fresh = ApplicationForm(initial=initial, tiers=tiers)
    return fresh


@require_GET
@rate_limit("public-pdf", limit=_limit("PUBLICPAGES_PDF_LIMIT", 20), window=60)
def prospectus_pdf(request, slug):
    page = selectors.page_for(slug, "prospectus_on")
    context = {
        **_prospectus_context(page),
        "details": selectors.network_details(),
        "request_url": request.build_absolute_uri("/").rstrip("/"),
    }
    response = HttpResponse(render_pdf("publicpages/prospectus_pdf.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sponsorship-{page.slug}.pdf"'
    patch_cache_control(response, public=True, max_age=WALL_CACHE_SECONDS)
    return response


# --- public: the sponsor wall -------------------------------------------------------------------------


def wall_data(request, wall: selectors.Wall) -> dict:
    """The wall as JSON: the same sponsors as the page, with absolute logo URLs."""
    page, event = wall.page, wall.page.event
    # One reverse() for every logo: the URL with placeholders, filled per sponsor.
    logo_pattern = (
        request.build_absolute_uri(reverse("public:wall_logo", args=[page.slug, 999999999, "KEY", "SIZE"]))
        .replace("999999999", "{pledge}")
        .replace("KEY", "{key}")
        .replace("SIZE", "{size}")
    )

    def sponsor(entry, size):
        logo = None
        if entry.logo:
            logo = logo_pattern.format(
                pledge=entry.pledge_id, key=entry.logo_key(), size="svg" if entry.logo_is_svg else size
            )
        return {
            "name": entry.name,
            "website": entry.website or None,
            "description": entry.description or None,
            "logo": logo,
        }

    return {
        "event": {"name": event.name, "date": event.date.isoformat() if event.date else None, "venue": event.venue},
        "url": request.build_absolute_uri(reverse("public:wall", args=[page.slug])),
        "tiers": [
            {"name": group.name, "sponsors": [sponsor(e, "large" if i == 0 else "small") for e in group.entries]}
            for i, group in enumerate(wall.tiers)
        ],
        "in_kind": [sponsor(e, "small") for e in wall.in_kind],
    }


def _if_none_match(request) -> list[str]:
    return [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",") if t.strip()]


def _wall_response(request, slug: str, kind: str, content_type: str, build) -> HttpResponse:
    """The wall as `kind` ("html" or "json"): 304 when the client has this version (nothing
    built), else the body cached for this version (built once). Public caching for a minute."""
    page, version = selectors.wall_page(slug)
    origin = f"{request.scheme}://{request.get_host()}"
    etag = wallcache.etag(kind, page.pk, version, origin)
    if etag in _if_none_match(request):
        response = HttpResponse(status=304)
    else:
        body = wallcache.cached(kind, page.pk, version, origin, lambda: build(page), WALL_CACHE_SECONDS)
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=WALL_CACHE_SECONDS)
    return response


@require_GET
@rate_limit("public-wall", limit=_limit("PUBLICPAGES_WALL_LIMIT", 300), window=60)
def wall(request, slug):
    def build(page) -> bytes:
        sponsor_wall = selectors.sponsor_wall(page)
        data = wall_data(request, sponsor_wall)
        context = {"page": page, "event": page.event, "wall": sponsor_wall, "data": data}
        # No request: the page is the same for everyone (no token, no user), so it can be cached.
        return render_to_string("publicpages/wall.html", context).encode()

    return _wall_response(request, slug, "html", "text/html; charset=utf-8", build)


@require_http_methods(["GET", "HEAD", "OPTIONS"])
@rate_limit("public-wall", limit=_limit("PUBLICPAGES_WALL_LIMIT", 300), window=60)
def wall_json(request, slug):
    """The wall's data for other sites: CORS for GET (and HEAD) only, from any origin."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD"
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Max-Age"] = "86400"
        response["Allow"] = "GET, HEAD, OPTIONS"
        return response

    def build(page) -> bytes:
        data = wall_data(request, selectors.sponsor_wall(page))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    response = _wall_response(request, slug, "json", "application/json", build)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
@rate_limit("public-logo", limit=_limit("PUBLICPAGES_LOGO_LIMIT", 600), window=60)
def wall_logo(request, slug, pledge_id, key, size):
    """An approved logo at a fixed size (PNG made once), or the sanitised SVG as stored."""
    page = selectors.page_for(slug, "wall_on")
    entry = selectors.wall_logo(page, pledge_id)
    if entry is None or entry.logo_key() != key:
        raise Http404("No such logo.")
    if entry.logo_is_svg:
        if size != "svg":
            raise Http404("No such logo.")
        response = HttpResponse(_read(entry.logo), content_type="image/svg+xml")
        # Opened on its own, the SVG runs nothing and loads nothing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    else:
        dimensions = selectors.LOGO_SIZES.get(size)
        name = thumbnail(entry.logo, key, dimensions) if dimensions else None
        if name is None:
            raise Http404("No such logo.")
        response = HttpResponse(_read(name), content_type="image/png")
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["ETag"] = f'"{key}-{size}"'
    patch_cache_control(response, public=True, max_age=LOGO_CACHE_SECONDS, immutable=True)
    return response


def _read(name: str) -> bytes:
    """A logo's bytes (a thumbnail, or an SVG the portal limited in size): small, read whole."""
    with default_storage.open(name, "rb") as handle:
        return handle.read()


# --- the organiser's pages ----------------------------------------------------------------------------


def _owners():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__permissions__codename="change_pledge")
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@permission_required("publicpages.change_publicpage", raise_exception=True)
@require_http_methods(["GET", "POST"])
def page_settings(request, pk):
    """An event's public pages: on or off, the slug, the wording, the acknowledgement, in-kind credits."""
    event = get_object_or_404(Event, pk=pk)
    page = selectors.page_of_event(event) or PublicPage(event=event, slug=_suggest_slug(event), owner=request.user)
    offers = list(selectors.creditable_in_kind(event))
    form_kwargs = {"instance": page, "offers": offers, "owners": _owners()}
    if request.method == "POST":
        form = PublicPageForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                services.save_public_page(
                    form.instance, credited=[int(x) for x in form.cleaned_data["credited"]], user=request.user
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"Saved the public pages of {event.name}.")
                return redirect("publicpages:settings", pk=event.pk)
        status = 400
    else:
        form = PublicPageForm(**form_kwargs)
        status = 200
    return render(
        request,
        "publicpages/settings.html",
        {"event": event, "page": page, "form": form, "site_url": request.build_absolute_uri("/").rstrip("/")},
        status=status,
    )


def _suggest_slug(event: Event) -> str:
    from django.utils.text import slugify

    base = slugify(event.name)[:70] or f"event-{event.pk}"
    slug, n = base, 2
    while PublicPage.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@permission_required("publicpages.view_application", raise_exception=True)
@require_GET
def application_list(request, pk):
    """Who applied through an event's public form: committee and staff read it, as the organiser does."""
    event = get_object_or_404(Event, pk=pk)
    page = selectors.page_of_event(event)
    rows = selectors.applications(page) if page else selectors.applications(PublicPage(pk=0))
    table = ApplicationTable(rows)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "publicpages/application_list.html", {"event": event, "page": page, "table": table})
