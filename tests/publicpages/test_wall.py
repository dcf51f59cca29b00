"""The sponsor wall, as a page and as JSON: who is on it, in what order, with which logo, and how
it caches and crosses origins."""

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from publicpages.models import InKindCredit
from sponsors.models import InKindContribution
from sponsors.services import create_pledge
from tests.crm import factories
from tests.http import release

PAGE, JSON = "/sponsors/launch-2027/", "/sponsors/launch-2027.json"

# The walls are cached per version, and the version moves when a write commits: these tests
# commit for real, as the application does, so each change is seen as a visitor would see it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png(width=1200, height=400, colour=(200, 30, 30, 255)) -> str:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG")
    return default_storage.save("portal/logos/approved.png", ContentFile(out.getvalue()))


def pledge(page, tier, name, stage="confirmed", organiser=None, **org):
    return create_pledge(
        organisation=factories.organisation(name=name, **org),
        event=page.event,
        tier=tier,
        stage=stage,
        lost_reason="No" if stage in ("declined", "withdrawn") else "",
        user=organiser,
    )


def test_signed_sponsors_grouped_by_tier_in_tier_order_and_nothing_else(page, tiers, organiser, fake_portal, media):
    gold = pledge(page, tiers["Gold"], "Gold Paid Ltd", "paid", website="https://gold.example")
    headline = pledge(page, tiers["Headline"], "Headline Co", "invoiced")
    signed = pledge(page, tiers["Supporter"], "Signed In Portal", "verbal")
    pledge(page, tiers["Supporter"], "Only Verbal", "verbal")
    pledge(page, tiers["Gold"], "Declined Ltd", "declined")
    withdrawn = pledge(page, tiers["Gold"], "Withdrawn Ltd", "withdrawn")
    fake_portal.presence = {
        signed.pk: {"signed": True, "logo": "", "logo_is_svg": False, "description": "Local heroes", "website": ""},
        withdrawn.pk: {"signed": True, "logo": "", "logo_is_svg": False, "description": "", "website": ""},
        gold.pk: {"signed": False, "logo": "", "logo_is_svg": False, "description": "We build things", "website": ""},
    }
    data = Client().get(JSON).json()
    assert [(t["name"], [s["name"] for s in t["sponsors"]]) for t in data["tiers"]] == [
        ("Headline", ["Headline Co"]),
        ("Gold", ["Gold Paid Ltd"]),
        ("Supporter", ["Signed In Portal"]),
    ]
    assert data["tiers"][1]["sponsors"][0] == {
        "name": "Gold Paid Ltd",
        "website": "https://gold.example",
        "description": "We build things",
        "logo": None,
    }
    html = Client().get(PAGE).text
    assert html.index("Headline Co") < html.index("Gold Paid Ltd") < html.index("Signed In Portal")
    for absent in ("Only Verbal", "Declined Ltd", "Withdrawn Ltd"):
        assert absent not in html and absent not in str(data)
    assert headline.pk  # used


def test_only_the_approved_logo_is_shown_with_an_absolute_url_at_fixed_sizes_made_once(
    page, tiers, organiser, fake_portal, media
):
    sponsor = pledge(page, tiers["Headline"], "Logo Co")
    fake_portal.presence = {
        sponsor.pk: {"signed": True, "logo": "", "logo_is_svg": False, "description": "", "website": ""}
    }
    assert Client().get(JSON).json()["tiers"][0]["sponsors"][0]["logo"] is None  # uploaded, not approved yet: none
    assert "<img" not in Client().get(PAGE).text

    name = png()
    fake_portal.show(sponsor.pk, logo=name)  # approved
    logo_url = Client().get(JSON).json()["tiers"][0]["sponsors"][0]["logo"]
    assert logo_url.startswith("http://testserver/sponsors/launch-2027/logos/") and logo_url.endswith("/large/")
    assert f'src="{logo_url}"' in Client().get(PAGE).text

    response = Client().get(logo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"] and response["Cross-Origin-Resource-Policy"] == "cross-origin"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (360, 120)  # 1200×400 fitted within 360×180
    made = sorted(p.name for p in (media / "publicpages" / "logos").iterdir())
    assert len(made) == 1
    release(Client().get(logo_url))  # a file response: closed, or its handle leaks (ResourceWarning)
    assert sorted(p.name for p in (media / "publicpages" / "logos").iterdir()) == made  # made once
    small = Client().get(logo_url.replace("/large/", "/small/"))
    assert Image.open(io.BytesIO(small.content)).size == (200, 67)
    assert Client().get(logo_url.replace("/large/", "/huge/")).status_code == 404
    # A different logo approved later gets a new URL; the old one is gone.
    fake_portal.show(sponsor.pk, logo=png(colour=(0, 0, 255, 255)))
    assert Client().get(JSON).json()["tiers"][0]["sponsors"][0]["logo"] != logo_url
    assert Client().get(logo_url).status_code == 404


def test_a_withdrawn_sponsors_logo_is_no_longer_served(page, tiers, organiser, fake_portal, media):
    from sponsors.services import move_pledge

    sponsor = pledge(page, tiers["Headline"], "Logo Co")
    fake_portal.presence = {
        sponsor.pk: {"signed": True, "logo": png(), "logo_is_svg": False, "description": "", "website": ""}
    }
    logo_url = Client().get(JSON).json()["tiers"][0]["sponsors"][0]["logo"]
    served = release(Client().get(logo_url))  # a file response: closed, or its handle leaks
    assert served.status_code == 200
    move_pledge(sponsor, "withdrawn", reason="Changed their mind", user=organiser)
    assert Client().get(logo_url).status_code == 404
    assert Client().get(JSON).json()["tiers"] == []


def test_an_svg_logo_is_served_as_stored_and_runs_nothing(page, tiers, organiser, fake_portal, media):
    sponsor = pledge(page, tiers["Gold"], "Vector Ltd")
    svg = default_storage.save("portal/logos/v.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
    fake_portal.presence = {
        sponsor.pk: {"signed": True, "logo": svg, "logo_is_svg": True, "description": "", "website": ""}
    }
    url = Client().get(JSON).json()["tiers"][0]["sponsors"][0]["logo"]
    assert url.endswith("/svg/")
    response = Client().get(url)
    assert response["Content-Type"] == "image/svg+xml" and response.content.startswith(b"<svg")
    assert (
        "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    )


def test_in_kind_suppliers_who_agreed_are_credited_in_their_own_section(page, tiers, organiser, no_portal):
    def offer(name, status, credited):
        item = InKindContribution.objects.create(
            organisation=factories.organisation(name=name, roles=("supplier",)),
            event=page.event,
            category="catering",
            description="Lunch",
            estimated_value=Decimal("900"),
            status=status,
        )
        if credited is not None:
            InKindCredit.objects.create(contribution=item, credit_publicly=credited)

    offer("Credited Catering", "confirmed", True)
    offer("Delivered Printing", "delivered", True)
    offer("Shy Supplier", "confirmed", False)
    offer("Never Asked", "confirmed", None)
    offer("Declined Offer", "declined", True)
    offer("Only Offered", "offered", True)
    data = Client().get(JSON).json()
    assert [s["name"] for s in data["in_kind"]] == ["Credited Catering", "Delivered Printing"]
    assert data["in_kind"][0]["description"] == "Catering" and "900" not in str(data)
    html = Client().get(PAGE).text
    assert "Supported in kind by" in html and "Shy Supplier" not in html and "Declined Offer" not in html


def test_etag_and_cache_control_on_both_and_304_when_unchanged(page, tiers, organiser, no_portal):
    pledge(page, tiers["Gold"], "Cached Co")
    for url in (PAGE, JSON):
        first = Client().get(url)
        assert first["ETag"] and "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
        again = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        pledge(page, tiers["Gold"], f"New Sponsor for {url.strip('/').replace('/', '-')}")
        changed = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_cors_allows_get_only_on_the_json(page, no_portal):
    response = Client().get(JSON, HTTP_ORIGIN="https://event.example")
    assert response["Access-Control-Allow-Origin"] == "*" and response["Content-Type"] == "application/json"
    preflight = Client().options(JSON, HTTP_ORIGIN="https://event.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD"
    for method in ("post", "put", "delete"):
        response = getattr(Client(), method)(JSON)
        assert response.status_code == 405 and "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in Client().get(PAGE)


def test_without_the_portal_the_wall_uses_the_pledge_stage_and_shows_no_logos(page, tiers, organiser, no_portal):
    pledge(page, tiers["Gold"], "Confirmed Co", "confirmed")
    pledge(page, tiers["Gold"], "Verbal Co", "verbal")
    data = Client().get(JSON).json()
    assert [s["name"] for t in data["tiers"] for s in t["sponsors"]] == ["Confirmed Co"]
    assert data["tiers"][0]["sponsors"][0]["logo"] is None


def test_a_link_that_is_not_http_never_reaches_the_wall(page, tiers, organiser, fake_portal):
    sponsor = pledge(page, tiers["Gold"], "Sneaky Ltd")
    fake_portal.presence = {
        sponsor.pk: {
            "signed": True,
            "logo": "",
            "logo_is_svg": False,
            "description": "<b>hi</b>",
            "website": "javascript:alert(1)",
        }
    }
    data = Client().get(JSON).json()
    assert data["tiers"][0]["sponsors"][0]["website"] is None
    html = Client().get(PAGE).text
    assert "javascript:" not in html and "&lt;b&gt;hi&lt;/b&gt;" in html


@pytest.mark.parametrize("url", [PAGE, JSON])
def test_the_wall_reads_in_a_fixed_number_of_queries(
    url, page, tiers, organiser, fake_portal, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            p = pledge(page, tiers["Supporter"], None, "paid")
            fake_portal.presence[p.pk] = {
                "signed": True,
                "logo": "x.png",
                "logo_is_svg": False,
                "description": "d",
                "website": "",
            }
            InKindCredit.objects.create(
                contribution=InKindContribution.objects.create(
                    organisation=factories.organisation(roles=("supplier",)),
                    event=page.event,
                    category="av",
                    description="AV",
                    status="confirmed",
                ),
                credit_publicly=True,
            )

    add(3)
    with django_assert_max_num_queries(3) as few:
        assert Client().get(url).status_code == 200
    first = len(few.captured_queries)
    add(40)
    with django_assert_max_num_queries(first):
        response = Client().get(url)
    assert response.content.count(b"x.png") == 0  # logos are served through the wall's own URLs


def names_on(url=JSON):
    data = Client().get(url).json()
    return [s["name"] for t in data["tiers"] for s in t["sponsors"]], data


def test_every_change_a_wall_shows_appears_at_once(page, tiers, organiser, no_portal):
    """The wall is built once per version and kept: each kind of write it shows moves the version."""
    from sponsors.services import move_pledge

    sponsor = pledge(page, tiers["Gold"], "Early Bird Ltd", website="https://early.example")
    shown, data = names_on()
    assert shown == ["Early Bird Ltd"] and Client().get(PAGE).text.count("Early Bird Ltd") == 1

    organisation = sponsor.organisation
    organisation.name, organisation.website = "Early Bird Group", "https://group.example"
    organisation.save()
    shown, data = names_on()
    assert shown == ["Early Bird Group"] and data["tiers"][0]["sponsors"][0]["website"] == "https://group.example"
    assert "Early Bird Group" in Client().get(PAGE).text

    tiers["Gold"].name = "Gold partner"
    tiers["Gold"].save()
    assert names_on()[1]["tiers"][0]["name"] == "Gold partner"
    assert "Gold partner" in Client().get(PAGE).text

    page.event.name = "Launch 2027 (moved)"
    page.event.save()
    assert names_on()[1]["event"]["name"] == "Launch 2027 (moved)"

    supplier = InKindContribution.objects.create(
        organisation=factories.organisation(name="Kind Catering", roles=("supplier",)),
        event=page.event,
        category="catering",
        description="Lunch",
        status="confirmed",
    )
    credit = InKindCredit.objects.create(contribution=supplier, credit_publicly=True)
    assert [s["name"] for s in names_on()[1]["in_kind"]] == ["Kind Catering"]
    credit.credit_publicly = False
    credit.save()
    assert names_on()[1]["in_kind"] == [] and "Kind Catering" not in Client().get(PAGE).text

    move_pledge(sponsor, "withdrawn", reason="Budget cut", user=organiser)
    assert names_on()[0] == [] and "Early Bird Group" not in Client().get(PAGE).text

    page.wall_on = False
    page.save()
    assert Client().get(JSON).status_code == 404 and Client().get(PAGE).status_code == 404


def test_the_wall_is_built_once_per_version_and_read_in_one_query_after(
    page, tiers, organiser, no_portal, monkeypatch, django_assert_num_queries
):
    from publicpages import selectors

    pledge(page, tiers["Gold"], "Built Once Ltd")
    built = []
    real = selectors.sponsor_wall
    monkeypatch.setattr(selectors, "sponsor_wall", lambda p: built.append(p.pk) or real(p))
    for url in (JSON, PAGE):
        first = Client().get(url)
        with django_assert_num_queries(1):  # the page and the version, together
            again = Client().get(url)
        assert again.content == first.content and again["ETag"] == first["ETag"]
    assert len(built) == 2  # once for the JSON, once for the page
    pledge(page, tiers["Gold"], "Second Ltd")
    assert "Second Ltd" in Client().get(PAGE).text and len(built) == 3


def test_a_conditional_get_is_answered_304_from_the_version_without_building(
    page, tiers, organiser, no_portal, monkeypatch, django_assert_num_queries, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "sponsors.example.org"]
    from publicpages import selectors

    pledge(page, tiers["Gold"], "Conditional Ltd")
    tags = {url: Client().get(url)["ETag"] for url in (JSON, PAGE)}
    assert tags[JSON] != tags[PAGE]
    monkeypatch.setattr(selectors, "sponsor_wall", lambda p: pytest.fail("built the wall for a 304"))
    for url, tag in tags.items():
        with django_assert_num_queries(1):
            response = Client().get(url, HTTP_IF_NONE_MATCH=f'"other", W/{tag}')
        assert response.status_code == 304 and response["ETag"] == tag and "max-age=60" in response["Cache-Control"]
    assert Client().get(JSON, HTTP_IF_NONE_MATCH=tags[JSON])["Access-Control-Allow-Origin"] == "*"
    # The same wall asked for at another address has other (absolute) URLs, so another ETag.
    monkeypatch.undo()
    elsewhere = Client().get(JSON, HTTP_HOST="sponsors.example.org", HTTP_IF_NONE_MATCH=tags[JSON])
    assert elsewhere.status_code == 200 and elsewhere["ETag"] != tags[JSON]
    assert elsewhere.json()["url"].startswith("http://sponsors.example.org/")


def test_writes_in_one_transaction_move_the_version_once_and_a_rolled_back_one_not_at_all(page, tiers, organiser):
    from django.db import transaction

    from publicpages import wallcache

    before = wallcache.current()
    with transaction.atomic():
        for n in range(5):
            pledge(page, tiers["Supporter"], f"Batch {n}")
    assert wallcache.current() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        pledge(page, tiers["Supporter"], "Rolled Back Ltd")
        raise RuntimeError("rolled back")
    assert wallcache.current() == before + 1
    with transaction.atomic():
        pledge(page, tiers["Supporter"], "Outer Ltd")
        with pytest.raises(RuntimeError), transaction.atomic():
            pledge(page, tiers["Supporter"], "Inner Rolled Back Ltd")
            raise RuntimeError("inner rolled back")
    assert wallcache.current() == before + 2
