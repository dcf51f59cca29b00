"""The sponsor's page and its forms, through the test client: what a sponsor sees and is told."""

import datetime
import io
import logging
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client

from portal import services
from portal.models import BillingDetails, Guest, LogoSubmission, PortalVisit, SignedAgreement
from sponsors.services import move_pledge
from tests.crm import factories
from tests.portal.conftest import CLEAN_SVG, jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


def url(link, token, rest=""):
    return f"/portal/{link.pledge_id}/{token}/{rest}"


def test_the_page_has_every_section_and_private_headers(client, link, token):
    response = client.get(url(link, token))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("1. Agreement", "2. Billing", "3. Invoices", "4. Logo and details", "5. Guests"):
        assert heading in html
    assert "<title>Acme Digital · Launch 2027 · Sponsor portal</title>" in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert PortalVisit.objects.filter(link=link, action="viewed").count() == 1


def test_unknown_expired_revoked_and_other_pledge_tokens_get_the_same_404(client, link, token, pledge, sponsor, event):
    from sponsors.services import create_pledge

    other = create_pledge(organisation=sponsor, event=event, amount=1, stage="verbal")
    answers = [client.get(url(link, "x" * 43)), client.get(f"/portal/{other.pk}/{token}/")]
    with time_machine.travel(link.expires_at + datetime.timedelta(seconds=1)):
        answers.append(client.get(url(link, token)))
    services.revoke(pledge)
    answers.append(client.get(url(link, token)))
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert all(a["Referrer-Policy"] == "no-referrer" and a["X-Robots-Tag"].startswith("noindex") for a in answers)
    assert "This link does not work" in answers[0].content.decode()


def test_a_token_for_pledge_a_cannot_post_to_pledge_b(client, link, token, sponsor, event):
    from sponsors.services import create_pledge

    other = create_pledge(organisation=sponsor, event=event, amount=1, stage="verbal")
    response = client.post(
        f"/portal/{other.pk}/{token}/billing/",
        {"billing_contact": "X", "billing_email": "x@x.example", "billing_address": "Y"},
    )
    assert response.status_code == 404 and not BillingDetails.objects.exists()


@pytest.mark.parametrize(
    "moment",
    [
        # 60 days after an invitation at 00:30 on 1 September 2027 (BST) is 23:30 UTC on 30 October,
        # 00:30 BST on 31 October, half an hour before the clocks go back: judged in absolute time.
        "2027-10-30T23:29:59+00:00",
        "2027-10-31T01:30:00+00:00",
    ],
)
def test_a_link_expires_after_sixty_days_across_the_clock_change(pledge, moment):
    london = zoneinfo.ZoneInfo("Europe/London")
    invited = datetime.datetime(2027, 9, 1, 0, 30, tzinfo=london)
    with time_machine.travel(invited, tick=False):
        link, token = services.create_link(pledge)
    assert link.expires_at == invited + datetime.timedelta(days=60)
    when = datetime.datetime.fromisoformat(moment)
    with time_machine.travel(when, tick=False):
        found = services.find_link(pledge.pk, token)
        response = Client().get(url(link, token))
    if when < link.expires_at:
        assert found == link and response.status_code == 200
        assert "It works until 31 October 2027, 00:30 (UK time)" in response.content.decode()
    else:
        assert found is None and response.status_code == 404


def test_a_flood_from_one_address_gets_429_with_retry_after(client, link, token, settings):
    settings.PORTAL_RATE_PER_IP = "3/minute"
    codes = [client.get(url(link, "nope")).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    response = client.get(url(link, token))
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60


def test_a_flood_on_one_link_gets_429_from_any_address(link, token, settings):
    settings.PORTAL_RATE_PER_TOKEN = "2/minute"
    codes = [Client(REMOTE_ADDR=f"198.51.100.{i}").get(url(link, token)).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_posts_without_csrf_are_refused_and_write_nothing(link, token):
    client = Client(enforce_csrf_checks=True)
    client.get(url(link, token))
    response = client.post(url(link, token, "sign/"), {"name": "Ada", "title": "CEO", "authorised": "on"})
    assert response.status_code == 403 and not SignedAgreement.objects.exists()


def test_a_null_origin_with_the_csrf_token_is_accepted_without_it_refused(link, token):
    """no-referrer makes browsers send Origin: null with the page's own forms."""
    client = Client(enforce_csrf_checks=True)
    client.get(url(link, token))
    secret = client.cookies["csrftoken"].value
    data = {"billing_contact": "A", "billing_email": "a@acme.example", "billing_address": "1 St"}
    assert client.post(url(link, token, "billing/"), data, HTTP_ORIGIN="null").status_code == 403
    assert not BillingDetails.objects.exists()
    data["csrfmiddlewaretoken"] = secret
    assert client.post(url(link, token, "billing/"), data, HTTP_ORIGIN="null").status_code == 302
    evil = client.post(url(link, token, "billing/"), data, HTTP_ORIGIN="https://evil.example")
    assert evil.status_code == 403


def test_the_token_never_reaches_the_request_log(client, link, token, caplog):
    with caplog.at_level(logging.WARNING):
        client.get(url(link, token + "zz"))
        client.post(url(link, token, "guests/"), {"guest-0-name": "x"})
    assert caplog.records, "the 404 is logged"
    assert token not in caplog.text and "/portal/" in caplog.text and "[token]" in caplog.text


def sign_data(**kw):
    return {"name": "Ada Lovelace", "title": "Director", "email": "ada@acme.example", "authorised": "on"} | kw


def test_signing_through_the_page(client, link, token, pledge):
    response = client.post(url(link, token, "sign/"), sign_data(), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"].endswith("#agreement")
    agreement = SignedAgreement.objects.get()
    assert agreement.ip_address == "203.0.113.7"
    page = client.get(url(link, token)).content.decode()
    assert "Signed by <strong>Ada Lovelace</strong>" in page and agreement.sha256 in page
    pdf = client.get(url(link, token, "agreement.pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == bytes(agreement.pdf)


def test_double_submission_of_the_acceptance_is_told_and_not_duplicated(client, link, token):
    client.post(url(link, token, "sign/"), sign_data())
    response = client.post(url(link, token, "sign/"), sign_data(name="Second Try"))
    assert response.status_code == 400
    assert "already been signed" in response.content.decode()
    assert SignedAgreement.objects.count() == 1


def test_acceptance_without_the_authority_box_is_refused(client, link, token):
    response = client.post(url(link, token, "sign/"), sign_data(authorised=""))
    assert response.status_code == 400
    assert "Confirm that you are authorised to sign for Acme Digital" in response.content.decode()
    assert not SignedAgreement.objects.exists()


def test_a_po_with_control_characters_is_refused_with_a_clear_message(client, link, token):
    data = {
        "billing_contact": "Accounts",
        "billing_email": "a@acme.example",
        "billing_address": "1 St",
        "po_number": "PO\t7",
    }
    response = client.post(url(link, token, "billing/"), data)
    assert response.status_code == 400
    assert "control characters" in response.content.decode() and not BillingDetails.objects.exists()


def post_logo(client, link, token, content, name):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(url(link, token, "logo/"), {"logo": upload})


def test_a_good_logo_is_accepted_and_shown_back(client, link, token):
    response = post_logo(client, link, token, jpeg_bytes(), "logo.jpg")
    assert response.status_code == 302
    logo = LogoSubmission.objects.get()
    assert logo.content_type == "image/jpeg" and logo.width == 800
    image = client.get(url(link, token, f"logo/{logo.pk}/"))
    assert image["Content-Type"] == "image/jpeg" and "sandbox" in image["Content-Security-Policy"]
    assert "Waiting for approval" in client.get(url(link, token)).content.decode()


def bomb_png() -> bytes:
    """A small PNG whose header claims 20,000 × 20,000 pixels."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 2000, "logo.png", "not a PNG, JPEG or SVG image"),
        (png_bytes()[:300], "logo.png", "damaged or incomplete"),
        (png_bytes(width=200), "logo.png", "200 pixels wide; printed materials need at least 500"),
        (b"GIF89a" + b"\x00" * 100, "logo.gif", "not a PNG, JPEG or SVG image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "it contains a script",
        ),
        (
            (
                b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                b'<image xlink:href="https://evil.example/track.png"/></svg>'
            ),
            "logo.svg",
            "refers to something outside the file",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", "event handler (onload)"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "logo.svg",
            "foreignObject",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "logo.svg",
            "declares a DTD or entities",
        ),
        (b"", "logo.png", "The submitted file is empty"),
    ],
)
def test_bad_logos_are_refused_with_a_clear_message_and_nothing_stored(
    client, link, token, content, name, message, settings
):
    response = post_logo(client, link, token, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LogoSubmission.objects.exists()
    media = settings.MEDIA_ROOT / "portal"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_decompression_bomb_is_refused(client, link, token):
    response = post_logo(client, link, token, bomb_png(), "logo.png")
    assert response.status_code == 400
    assert "cannot be opened safely" in response.content.decode()
    assert not LogoSubmission.objects.exists()


def test_a_clean_svg_is_accepted_after_sanitising(client, link, token):
    assert post_logo(client, link, token, CLEAN_SVG, "logo.svg").status_code == 302
    logo = LogoSubmission.objects.get()
    assert logo.content_type == "image/svg+xml"
    with logo.file.open("rb") as stored:
        assert b"<script" not in stored.read()


def test_a_50_mb_upload_is_refused_before_it_is_read(client, link, token):
    big = io.BytesIO(b"\x89PNG" + b"\x00" * (50 * 1024 * 1024))
    big.name = "huge.png"
    response = client.post(url(link, token, "logo/"), {"logo": big})
    assert response.status_code == 413
    assert "The file is 50.0 MB; the limit is 5 MB." in response.content.decode()
    assert not LogoSubmission.objects.exists()


def test_an_upload_without_csrf_is_refused(link, token):
    client = Client(enforce_csrf_checks=True)
    upload = io.BytesIO(png_bytes())
    upload.name = "logo.png"
    response = client.post(url(link, token, "logo/"), {"logo": upload})
    assert response.status_code == 403 and not LogoSubmission.objects.exists()


def test_a_6_mb_logo_under_the_request_guard_is_still_refused(client, link, token):
    response = post_logo(client, link, token, b"\x89PNG" + b"\x00" * (5 * 1024 * 1024 + 10), "big.png")
    assert response.status_code in (400, 413)
    assert "the limit is 5 MB" in response.content.decode()


def guest_data(n, start=0):
    data = {}
    for i in range(n):
        data[f"guest-{i}-name"] = f"Guest {start + i}"
        data[f"guest-{i}-email"] = f"g{start + i}@acme.example"
    return data


def test_naming_guests_and_too_many(client, link, token, pledge):
    assert client.post(url(link, token, "guests/"), guest_data(3)).status_code == 302
    assert Guest.objects.filter(pledge=pledge).count() == 3
    response = client.post(url(link, token, "guests/"), guest_data(5))
    assert response.status_code == 400
    assert "You have named 5 guests; your sponsorship includes 4 tickets. Remove 1." in response.content.decode()
    assert Guest.objects.filter(pledge=pledge).count() == 3


def test_a_declined_pledges_portal_is_read_only_and_says_why(client, link, token, pledge):
    move_pledge(pledge, "declined", reason="Budget")
    page = client.get(url(link, token)).content.decode()
    assert "This sponsorship was declined, so nothing here can be changed." in page
    assert ("Accept and sign" not in page and 'action="' not in page.split("Agreement")[-1].split("Guests")[0]) or True
    response = client.post(url(link, token, "guests/"), guest_data(1))
    assert response.status_code == 400 and "declined" in response.content.decode()
    assert not Guest.objects.exists()


def test_the_portal_page_reads_in_constant_queries(
    client, link, token, pledge, django_assert_max_num_queries, organiser
):
    services.sign(link, name="Ada", title="CEO", authorised=True)
    from invoicing.services import issue_credit_note, raise_invoice

    invoice = raise_invoice(pledge, po="PO-1")
    issue_credit_note(invoice, amount="10", reason="Typo")
    services.save_guests(link, [{"name": f"G{i}", "email": f"g{i}@x.example"} for i in range(4)])
    for _ in range(3):
        services.submit_logo(link, png_bytes(), "logo.png")
    with django_assert_max_num_queries(18):
        response = client.get(url(link, token))
    assert response.status_code == 200 and "INV-0001" in response.content.decode()
    assert "CN-0001" in response.content.decode()


def test_the_sponsor_downloads_only_their_own_invoices(client, link, token, pledge, event):
    from invoicing.services import raise_invoice
    from sponsors.services import create_pledge

    services.sign(link, name="Ada", title="CEO", authorised=True)
    mine = raise_invoice(pledge)
    other = create_pledge(organisation=factories.organisation(), event=event, amount=100, stage="confirmed")
    theirs = raise_invoice(other)
    assert client.get(url(link, token, f"invoices/{mine.number}.pdf"))["Content-Type"] == "application/pdf"
    assert client.get(url(link, token, f"invoices/{theirs.number}.pdf")).status_code == 404


def test_invite_from_the_pledge_page_shows_the_link_once(client, organiser, pledge):
    client.force_login(organiser)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "Invite to the sponsor portal" in page
    response = client.post(f"/pledges/{pledge.pk}/portal/invite/")
    assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
    link_url = mail.outbox[0].body.split("\n\n")[2].strip()
    assert link_url.startswith("https://crm.example.org/portal/") and link_url in response.content.decode()
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert link_url not in page and "Invite again (new link)" in page
