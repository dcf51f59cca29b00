"""The sponsor's pages (a token, no account) and the organiser's portal pages. Views are thin:
they parse the request, call a service or a selector, and render."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from crm import registry
from crm.models import Event
from crm.views.auth import client_ip
from portal import forms, ratelimit, selectors, services
from portal.models import LogoSubmission, PortalVisit, SignedAgreement
from portal.uploads import LOGO_MAX_BYTES
from sponsors.models import Pledge

#: Headers on every token page, found or not: the token must not leave in a Referer, the page
#: must not be indexed or cached by anyone in between.
PRIVATE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store, private",
}


def _private(response):
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _not_found(request):
    return _private(render(request, "portal/not_found.html", status=404))


def _too_many(request, wait: int):
    response = render(request, "portal/too_many.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return _private(response)


def token_view(view):
    """Open without an account (listed in crm/urls.py's `open_without_account`): rate
    limited per address, then the token found (unknown, expired, revoked or another pledge's: the
    same 404), then rate limited per link; the private headers on every answer."""

    @functools.wraps(view)
    def wrapper(request, pledge_id: int, token: str, **kwargs):
        wait = ratelimit.check(request, "ip", client_ip(request) or "unknown")
        if wait:
            return _too_many(request, wait)
        link = services.find_link(pledge_id, token)
        if link is None:
            return _not_found(request)
        wait = ratelimit.check(request, "link", str(link.pk))
        if wait:
            return _too_many(request, wait)
        request.portal_link, request.portal_token = link, token
        return _private(view(request, link, **kwargs))

    return wrapper


class NullOriginCsrfMiddleware(CsrfViewMiddleware):
    """Django's CSRF check, for the portal's forms only, accepting `Origin: null`.

    The portal's pages send `Referrer-Policy: no-referrer` so the token in their address never
    leaves in a Referer; browsers then send `Origin: null` with the page's own form posts, which
    Django's origin check refuses. The secret check (the form's token against the CSRF cookie,
    SameSite=Lax) still applies to every post; only a null origin is let through to it."""

    def _origin_verified(self, request):
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)


def portal_csrf(view):
    """CSRF-check a token page's post with NullOriginCsrfMiddleware instead of the site's check."""
    return csrf_exempt(decorator_from_middleware(NullOriginCsrfMiddleware)(view))


def _page_url(link, token, anchor=""):
    return services.portal_path(link.pledge_id, token) + (f"#{anchor}" if anchor else "")


def _render_page(request, link, status=200, **forms_given):
    page = selectors.portal_page(link)
    pledge = page.pledge
    word_limit = page.settings.description_word_limit
    assets = page.assets
    context = {
        "page": page,
        "pledge": pledge,
        "token": request.portal_token,
        "base": services.portal_path(pledge.pk, request.portal_token),
        "sign_form": forms_given.get("sign_form")
        or forms.SignForm(organisation=pledge.organisation.name, initial={"email": link.email}),
        "billing_form": forms_given.get("billing_form")
        or forms.BillingForm(
            initial={
                "billing_contact": page.billing.billing_contact,
                "billing_email": page.billing.billing_email,
                "billing_address": page.billing.billing_address,
                "po_number": page.billing.po_number,
            }
            if page.billing
            else {"billing_email": link.email}
        ),
        "assets_form": forms_given.get("assets_form")
        or forms.AssetsForm(
            benefits=page.benefits,
            word_limit=word_limit,
            initial={
                f: getattr(assets, f)
                for f in (
                    "description",
                    "website",
                    "speaker_name",
                    "speaker_title",
                    "talk_title",
                    "talk_abstract",
                    "stand_needs",
                )
            }
            if assets
            else {},
        ),
        "logo_form": forms_given.get("logo_form") or forms.LogoForm(),
        "guest_rows": forms_given.get("guest_rows") or _guest_rows(page),
        "guest_errors": forms_given.get("guest_errors") or [],
        "word_limit": word_limit,
    }
    return render(request, "portal/sponsor_page.html", context, status=status)


def _guest_rows(page) -> list[dict]:
    rows = [{"name": g.name, "email": g.email, "dietary": g.dietary, "access": g.access} for g in page.guests]
    rows += [{"name": "", "email": "", "dietary": "", "access": ""}] * max(page.allowance - len(rows), 0)
    return [{"index": i, **row} for i, row in enumerate(rows)]


def _form_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@require_GET
@token_view
def sponsor_page(request, link):
    services.record_visit(link)
    return _render_page(request, link)


@portal_csrf
@require_POST
@token_view
def sponsor_sign(request, link):
    pledge = link.pledge
    form = forms.SignForm(request.POST, organisation=pledge.organisation.name)
    if form.is_valid():
        try:
            services.sign(
                link,
                name=form.cleaned_data["name"],
                title=form.cleaned_data["title"],
                email=form.cleaned_data["email"],
                authorised=form.cleaned_data["authorised"],
                ip=client_ip(request) or None,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Thank you: the agreement is signed. Your copy is below.")
            return redirect(_page_url(link, request.portal_token, "agreement"))
    return _render_page(request, link, status=400, sign_form=form)


@portal_csrf
@require_POST
@token_view
def sponsor_billing(request, link):
    form = forms.BillingForm(request.POST)
    if form.is_valid():
        try:
            result = services.save_billing(link, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            text = "Thank you: your billing details are saved."
            if result.invoice_number:
                text += f" Invoice {result.invoice_number} has been raised: see Invoices."
            messages.success(request, text)
            return redirect(_page_url(link, request.portal_token, "billing"))
    return _render_page(request, link, status=400, billing_form=form)


@portal_csrf
@require_POST
@token_view
def sponsor_details(request, link):
    page_settings = services.portal_settings()
    form = forms.AssetsForm(
        request.POST, benefits=selectors.tier_benefits(link.pledge), word_limit=page_settings.description_word_limit
    )
    if form.is_valid():
        try:
            services.save_assets(link, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Thank you: your details are saved.")
            return redirect(_page_url(link, request.portal_token, "assets"))
    return _render_page(request, link, status=400, assets_form=form)


@csrf_exempt  # checked below, after the size: the CSRF check would read (spool) the whole body first
@require_POST
@token_view
def sponsor_logo(request, link):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > LOGO_MAX_BYTES + 64 * 1024:  # refused before the body is read
        form = forms.LogoForm(data={})
        form.is_valid()
        form.errors["logo"] = form.error_class(
            [f"The file is {length / 1048576:.1f} MB; the limit is {LOGO_MAX_BYTES / 1048576:.0f} MB."]
        )
        response = _render_page(request, link, status=413, logo_form=form)
        response["Connection"] = "close"
        return response
    return decorator_from_middleware(NullOriginCsrfMiddleware)(_logo_upload)(request, link)


def _logo_upload(request, link):
    form = forms.LogoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["logo"]
        try:
            if upload.size > LOGO_MAX_BYTES:
                raise ValidationError(
                    f"The logo is {upload.size / 1048576:.1f} MB; the limit is {LOGO_MAX_BYTES / 1048576:.0f} MB."
                )
            services.submit_logo(link, upload.read(), upload.name)
        except ValidationError as error:
            form.add_error("logo", error.messages)
        else:
            messages.success(request, "Thank you: your logo is uploaded and waiting for approval.")
            return redirect(_page_url(link, request.portal_token, "assets"))
    return _render_page(request, link, status=400, logo_form=form)


@portal_csrf
@require_POST
@token_view
def sponsor_guests(request, link):
    rows = []
    for i in range(services.MAX_GUEST_ROWS + 1):
        if f"guest-{i}-name" not in request.POST and f"guest-{i}-email" not in request.POST:
            break
        rows.append({key: request.POST.get(f"guest-{i}-{key}", "") for key in ("name", "email", "dietary", "access")})
    try:
        guests = services.save_guests(link, rows)
    except ValidationError as error:
        problems = error.message_dict.get("guests") if hasattr(error, "error_dict") else error.messages
        shown = [{"index": i, **row} for i, row in enumerate(rows)]
        return _render_page(request, link, status=400, guest_rows=shown, guest_errors=problems or error.messages)
    messages.success(request, f"Thank you: {len(guests)} guest{'s' if len(guests) != 1 else ''} named.")
    return redirect(_page_url(link, request.portal_token, "guests"))


def _pdf(content: bytes, filename: str, inline=True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


@require_GET
@token_view
def sponsor_agreement_pdf(request, link):
    """The agreement to read before signing; once signed, the signed copy."""
    agreement = services.live_agreement(link.pledge_id)
    services.record_visit(link, PortalVisit.Action.DOWNLOADED, "agreement")
    if agreement is not None and agreement.pdf:
        return _pdf(bytes(agreement.pdf), f"signed-agreement-{link.pledge_id}.pdf")
    if selectors.closed(link.pledge):
        return _not_found(request)
    try:
        return _pdf(services.agreement_pdf(link.pledge), f"agreement-{link.pledge_id}.pdf")
    except ValidationError:
        return _not_found(request)


@require_GET
@token_view
def sponsor_invoice_pdf(request, link, number: str):
    render_document = registry.action("invoicing.render_pledge_document")
    document = render_document(link.pledge, number) if render_document else None
    if document is None:
        return _not_found(request)
    services.record_visit(link, PortalVisit.Action.DOWNLOADED, number)
    filename, content, _ = document
    return _pdf(content, filename)


def logo_response(logo: LogoSubmission) -> HttpResponse:
    """A stored logo as an image, never as a page: its own type, nosniff, and a sandbox CSP so an
    SVG opened directly runs nothing."""
    with logo.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=logo.content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@require_GET
@token_view
def sponsor_logo_file(request, link, logo_id: int):
    logo = LogoSubmission.objects.filter(pk=logo_id, pledge_id=link.pledge_id).first()
    if logo is None:
        return _not_found(request)
    return logo_response(logo)


# --- the organiser's side ----------------------------------------------------------------------


@require_POST
@permission_required(("sponsors.change_pledge", "portal.add_portallink"), raise_exception=True)
def invite(request, pk: int):
    """Send the invitation and show the link once, for copying (it is never shown again)."""
    pledge = get_object_or_404(Pledge.objects.select_related("organisation", "event"), pk=pk)
    try:
        url = services.invite(pledge, email=(request.POST.get("email") or "").strip() or None, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(pledge.get_absolute_url())
    response = render(request, "portal/invited.html", {"pledge": pledge, "url": url})
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@permission_required(("sponsors.change_pledge", "portal.change_portallink"), raise_exception=True)
def revoke(request, pk: int):
    pledge = get_object_or_404(Pledge, pk=pk)
    count = services.revoke(pledge, user=request.user)
    messages.success(request, "Revoked the sponsor's portal link." if count else "There was no live link to revoke.")
    return redirect(pledge.get_absolute_url())


@permission_required("portal.change_signedagreement", raise_exception=True)
def agreement_void(request, pk: int):
    agreement = get_object_or_404(SignedAgreement.objects.select_related("pledge__organisation").defer("pdf"), pk=pk)
    form = forms.VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_agreement(agreement, reason=form.cleaned_data["reason"], user=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Voided the agreement. The sponsor can sign a new one in the portal.")
            return redirect(agreement.pledge.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/void_agreement.html", {"agreement": agreement, "form": form}, status=status)


@require_GET
@permission_required("portal.view_signedagreement", raise_exception=True)
def agreement_pdf(request, pk: int):
    agreement = get_object_or_404(SignedAgreement, pk=pk)
    if not agreement.pdf:
        raise Http404("The signed copy was erased with the signer's personal data; its SHA-256 is kept.")
    return _pdf(bytes(agreement.pdf), f"signed-agreement-{agreement.pledge_id}.pdf")


@require_POST
@permission_required("portal.change_logosubmission", raise_exception=True)
def logo_review(request, pk: int):
    logo = get_object_or_404(LogoSubmission.objects.select_related("pledge"), pk=pk)
    form = forms.LogoReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
    else:
        try:
            services.review_logo(
                logo,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"The logo is {'approved' if form.cleaned_data['decision'] == 'approve' else 'rejected'}."
            )
    return redirect(logo.pledge.get_absolute_url())


@require_GET
@permission_required("portal.view_logosubmission", raise_exception=True)
def logo_file(request, pk: int):
    return logo_response(get_object_or_404(LogoSubmission, pk=pk))


@require_GET
@permission_required(("sponsors.view_pledge", "portal.view_portallink"), raise_exception=True)
def missing(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    rows = selectors.what_is_missing(event)
    for row in rows:
        row["labels"] = selectors.missing_labels(row["missing"])
    return render(
        request,
        "portal/missing.html",
        {
            "event": event,
            "rows": rows,
            "waiting": [r for r in rows if r["missing"]],
            "can_remind": request.user.has_perm("portal.add_portallink"),
        },
    )


@require_POST
@permission_required(("sponsors.change_pledge", "portal.add_portallink"), raise_exception=True)
def remind(request, pk: int):
    """A reminder to one sponsor (`pledge`) or to every sponsor with something missing. Each is
    sent on its own: one refusal (do not contact, no address) does not stop the others."""
    event = get_object_or_404(Event, pk=pk)
    wanted = request.POST.get("pledge", "")
    rows = [r for r in selectors.what_is_missing(event) if r["missing"]]
    if wanted != "all":
        rows = [r for r in rows if str(r["pledge"].pk) == wanted]
        if not rows:
            messages.error(request, "That sponsor has nothing missing, or is not a sponsor of this event.")
            return redirect(reverse("portal:missing", args=[event.pk]))
    sent, refused = 0, []
    for row in rows:
        try:
            with transaction.atomic():
                services.send_reminder(row["pledge"], selectors.missing_labels(row["missing"]), user=request.user)
            sent += 1
        except ValidationError as error:
            refused.append(f"{row['pledge'].organisation}: {' '.join(error.messages)}")
    if sent:
        messages.success(request, f"Sent {sent} reminder{'s' if sent != 1 else ''}.")
    for problem in refused:
        messages.warning(request, f"Not sent to {problem}")
    return redirect(reverse("portal:missing", args=[event.pk]))


@require_GET
@permission_required("portal.view_guest", raise_exception=True)
def guest_export(request, pk: int, file_format: str):
    from portal.resources import GuestResource, export_response

    event = get_object_or_404(Event, pk=pk)
    if file_format not in ("csv", "xlsx"):
        raise Http404
    dataset = GuestResource().export(selectors.guest_rows(event))
    return export_response(dataset, file_format, f"guests-{event.pk}")


@permission_required(("portal.delete_guest",), raise_exception=True)
def guests_delete(request, pk: int):
    """Delete an event's guest lists (the retention report sends the organiser here)."""
    event = get_object_or_404(Event, pk=pk)
    count = selectors.guest_rows(event).count()
    if request.method == "POST":
        deleted = services.delete_event_guests(event, user=request.user)
        messages.success(request, f"Deleted {deleted} guest{'s' if deleted != 1 else ''} of {event}.")
        return redirect(reverse("privacy:retention_report"))
    return render(request, "portal/guests_delete.html", {"event": event, "count": count})


@permission_required("portal.view_portalsettings", raise_exception=True)
def portal_settings(request):
    row = services.portal_settings()
    form = forms.PortalSettingsForm(request.POST or None, instance=row)
    if request.method == "POST":
        if not request.user.has_perm("portal.change_portalsettings"):
            return HttpResponse("You may not change the portal's settings.", status=403)
        if form.is_valid():
            services.save_portal_settings(form.save(commit=False), user=request.user)
            messages.success(request, "Saved the portal's settings.")
            return redirect(reverse("portal:settings"))
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/settings.html", {"form": form}, status=status)
