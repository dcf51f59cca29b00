"""Email in a real browser: a saved message dropped on an organisation page lands on its
timeline; an unmatched message is filed from the triage list; a merge's progress page. At
desktop and phone widths, with no Content-Security-Policy violation."""

import os

import pytest
from playwright.sync_api import expect

from mail import outbound, parsing
from mail.models import EmailTemplate
from mail.services import file_parsed
from tests.crm import factories
from tests.mail.conftest import build

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""
DROP = """([text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], 'gold-package.eml', {type: 'message/rfc822'}));
  return dt;
}"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def shots(page, screenshot_dir, name):
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(screenshot_dir, f"mail-{name}-{width}.png"), full_page=True)


def violations(page):
    return page.evaluate("window.__csp || []")


def test_drop_an_eml_on_an_organisation_page_and_see_it_on_the_timeline(
    live_server, page, sign_in, organiser, screenshot_dir
):
    org = factories.organisation(name="Acme Digital")
    factories.contact(org, first_name="Sam", last_name="Sponsor", email="sam@acme.example")
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(organiser)
    page.goto(live_server.url + org.get_absolute_url())
    expect(page.get_by_text("Drop saved emails here")).to_be_visible()
    eml = build(
        subject="Gold package confirmed",
        body="We will take the gold package.",
        attachments=[("deck.pdf", b"%PDF-1.4 deck", "application/pdf")],
    ).decode()
    transfer = page.evaluate_handle(DROP, [eml])
    with page.expect_navigation():
        page.dispatch_event("[data-mail-drop]", "drop", {"dataTransfer": transfer})
    expect(page.get_by_text("Filed 1, 0 waiting in Email to file")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    link = timeline.get_by_role("link", name="Email: Gold package confirmed (with Sam Sponsor)")
    expect(link).to_be_visible()
    expect(timeline.get_by_text("1 attachment")).to_be_visible()
    shots(page, screenshot_dir, "organisation-drop")
    assert violations(page) == []
    link.click()
    expect(page.get_by_test_id("message-text")).to_contain_text("We will take the gold package.")
    with page.expect_download() as download:
        page.get_by_role("link", name="deck.pdf").click()
    assert download.value.suggested_filename == "deck.pdf"
    shots(page, screenshot_dir, "message")


def test_file_an_unmatched_message_from_triage(live_server, page, sign_in, organiser, screenshot_dir):
    nina = factories.contact(
        factories.organisation(name="Newco"), first_name="Nina", last_name="Newton", email="nina.newton@newco.example"
    )
    file_parsed(parsing.parse_bytes(build(sender="Nina N <nina@personal.example>", subject="Catering offer")))
    file_parsed(parsing.parse_bytes(build(sender="promo@spam.example", subject="Win a prize")))
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(organiser)
    page.goto(live_server.url + "/mail/triage/")
    expect(page.get_by_role("heading", name="Email to file")).to_be_visible()
    shots(page, screenshot_dir, "triage")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="File… Catering offer").click()
    page.get_by_label("Find the contact").fill("Nina")
    page.get_by_role("button", name="Find").click()
    shots(page, screenshot_dir, "file-on-contact")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name=f"File here on {nina}").click()
    expect(page.get_by_text("Filed “Catering offer” on Nina Newton.")).to_be_visible()
    expect(page.get_by_role("link", name="File… Catering offer")).to_have_count(0)
    page.get_by_role("link", name="Discard Win a prize").click()
    page.get_by_role("button", name="Yes, discard").click()
    expect(page.get_by_text("Nothing to file")).to_be_visible()
    page.goto(live_server.url + nina.get_absolute_url())
    expect(page.get_by_test_id("timeline").get_by_text("Catering offer").first).to_be_visible()
    assert violations(page) == []


def test_mail_merge_progress_page(live_server, page, sign_in, organiser, screenshot_dir):
    template = EmailTemplate.objects.create(
        name="Sponsorship pack",
        subject="Our sponsorship pack, {{ first_name }}",
        body="Dear {{ first_name }},\nPlease find our pack.",
    )
    org = factories.organisation(name="Listco")
    people = [factories.contact(org, first_name=f"Person{i}", email=f"p{i}@list.example") for i in range(50)]
    people[0].do_not_contact = True
    people[0].save()
    merge = outbound.create_merge(user=organiser, template=template, contacts=people, description="50 prospects")
    outbound.run_merge(merge.pk)
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(organiser)
    page.goto(live_server.url + merge.get_absolute_url())
    expect(page.get_by_test_id("merge-status")).to_contain_text("Done: 49 sent, 1 skipped, 0 refused, of 50.")
    expect(page.get_by_test_id("merge-problems")).to_contain_text("Marked do not contact.")
    shots(page, screenshot_dir, "merge-progress")
    assert violations(page) == []


def test_send_a_templated_email_and_find_it_on_the_timeline(live_server, page, sign_in, organiser, screenshot_dir):
    from django.core import mail as django_mail

    EmailTemplate.objects.create(
        name="Thank you",
        subject="Thank you, {{ organisation }}",
        body="Dear {{ first_name }},\nThank you for your support.\n{{ sender_name }}",
    )
    org = factories.organisation(name="Acme Digital")
    sam = factories.contact(org, first_name="Sam", last_name="Sponsor", email="sam@acme.example")
    page.add_init_script(COLLECT_VIOLATIONS)
    sign_in(organiser)
    page.goto(live_server.url + sam.get_absolute_url())
    page.get_by_role("link", name="Write an email").click()
    page.get_by_label("Start from a template").select_option(label="Thank you")
    page.get_by_role("button", name="Use template").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Thank you, Acme Digital")
    expect(page.get_by_test_id("preview")).to_contain_text("Dear Sam,")
    shots(page, screenshot_dir, "compose-preview")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Sent “Thank you, Acme Digital” to sam@acme.example")).to_be_visible()
    expect(page.get_by_test_id("timeline").get_by_role("link", name="Email: Thank you, Acme Digital")).to_be_visible()
    assert [m.to for m in django_mail.outbox] == [["sam@acme.example"]]
    assert violations(page) == []
