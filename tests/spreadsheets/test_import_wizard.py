"""The import wizard through the Django test client: upload → map → dry run → commit → history → undo."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Contact, ImportBatch, ImportMapping
from spreadsheets import uploads as import_uploads

CSV = (
    b"First Name,Last Name,E-mail Address,Company,Job Title\r\n"
    b"Ada,Lovelace,ada@example.org,Analytical Engines Ltd,Countess\r\n"
    b"Grace,Hopper,grace@example.org,Navy,Rear Admiral\r\n"
    b"Alan,Turing,alan@example.org,Bletchley Park,Cryptanalyst\r\n"
)

CSV_WITH_ERRORS = (
    b"First Name,Last Name,E-mail Address,Company\r\n"
    b"Ada,Lovelace,ada@example.org,Analytical Engines\r\n"
    b"Bad,Email,not-an-email,Somewhere\r\n"
    b"Grace,Hopper,grace@example.org,Navy\r\n"
)


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    return tmp_path / "var" / "uploads"


def upload(client, data=CSV, name="people.csv", target="contacts", mode="create_update", **extra):
    return client.post(
        reverse("spreadsheets:import_upload"),
        {
            "target": target,
            "mode": mode,
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
            **extra,
        },
    )


def token_of(response):
    match = re.search(r"/imports/upload/([0-9a-f]{32})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def mapping_post(client, token, **extra):
    """Submit the mapping form as pre-selected on the page (plus any overrides)."""
    page = client.get(reverse("spreadsheets:import_map", args=[token]))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(extra)
    return client.post(reverse("spreadsheets:import_map", args=[token]), data)


def test_full_journey_upload_map_preview_commit_then_undo(client, staff, upload_dir):
    client.force_login(staff)
    assert client.get(reverse("spreadsheets:import_upload")).status_code == 200

    response = upload(client)
    assert response.status_code == 302
    token = token_of(response)
    assert (upload_dir / f"{token}.upload").exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "people.csv" in html and "3 rows" in html and "Separator: comma" in html
    assert "Ada" in html and "Grace" in html  # sample values
    form = page.context["form"]
    assert form["col_2"].value() == "email"  # "E-mail Address" matched automatically

    response = mapping_post(client, token)
    assert response["Location"] == reverse("spreadsheets:import_preview", args=[token])
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert preview.context["counts"]["new"] == 3
    assert "Import 3 rows" in preview.content.decode()
    assert Contact.objects.count() == 0  # a dry run writes nothing

    response = client.post(reverse("spreadsheets:import_commit", args=[token]))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("spreadsheets:import_detail", args=[batch.pk])
    assert Contact.objects.count() == 3
    assert not list(upload_dir.glob(f"{token}*"))  # temp file gone

    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "Imported: new=3 updated=0" in html
    assert "people.csv" in html and "Undo this import" in html

    history = client.get(reverse("spreadsheets:import_list"))
    assert "people.csv" in history.content.decode()

    confirm = client.get(reverse("spreadsheets:import_undo", args=[batch.pk]))
    assert confirm.status_code == 200 and "Undo the import of people.csv" in confirm.content.decode()
    assert Contact.objects.count() == 3  # the GET only asks
    response = client.post(reverse("spreadsheets:import_undo", args=[batch.pk]), follow=True)
    assert "undone" in response.content.decode()
    assert Contact.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE


def test_update_shows_a_field_by_field_diff(client, staff):
    Contact.objects.create(first_name="Ada", last_name="Lovelace", email="ada@example.org", job_title="Mathematician")
    client.force_login(staff)
    token = token_of(upload(client))
    mapping_post(client, token)
    preview = client.get(reverse("spreadsheets:import_preview", args=[token]))
    counts = preview.context["counts"]
    assert counts["new"] == 2 and counts["updated"] == 1
    html = preview.content.decode()
    assert "Mathematician" in html and "Countess" in html


def test_rejected_upload_shows_the_message_and_stores_nothing(client, staff, upload_dir):
    client.force_login(staff)
    response = upload(client, data=b"", name="empty.csv")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and errors[0]
    assert errors[0] in response.content.decode()
    assert not list(upload_dir.glob("*")) if upload_dir.exists() else True
    assert ImportBatch.objects.count() == 0 and Contact.objects.count() == 0


def test_wrong_extension_is_rejected(client, staff):
    client.force_login(staff)
    response = upload(client, data=b"\x00\x01binary", name="people.exe")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_upload_over_the_size_limit_is_refused(client, staff, settings):
    settings.CRM_IMPORT_MAX_BYTES = 100
    client.force_login(staff)
    response = upload(client)
    assert "the limit is" in response.context["form"].errors["file"][0]


def test_preview_shows_counts_and_errors_with_line_numbers(client, staff):
    client.force_login(staff)
    token = token_of(upload(client, data=CSV_WITH_ERRORS))
    mapping_post(client, token)
    preview = client.get(reverse("spreadsheets:import_preview", args=[token]))
    assert preview.context["counts"]["new"] == 2
    assert preview.context["counts"]["errors"] == 1
    error = preview.context["errors"][0]
    assert error["line"] == 3
    html = preview.content.decode()
    assert "Import the valid rows and skip the 1 row with errors" in html
    assert re.search(r"<td>3</td>", html)

    # Without ticking the box nothing is imported.
    response = client.post(reverse("spreadsheets:import_commit", args=[token]))
    assert response.status_code == 400
    assert Contact.objects.count() == 0 and ImportBatch.objects.count() == 0

    response = client.post(reverse("spreadsheets:import_commit", args=[token]), {"skip_errors": "on"})
    assert response.status_code == 302
    assert Contact.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert batch.error_count == 1


def test_missing_required_column_is_a_clear_error(client, staff):
    client.force_login(staff)
    data = b"Company,City\r\nAcme,Leeds\r\n"
    token = token_of(upload(client, data=data, name="orgs.csv", target="organisations"))
    response = mapping_post(client, token, col_0="")
    assert response.status_code == 200
    assert "Choose a column for each required field: Name" in response.content.decode()


def test_saved_mapping_is_stored_and_reused(client, staff):
    client.force_login(staff)
    data = b"Who,Mail\r\nAda Lovelace,ada@example.org\r\n"
    token = token_of(upload(client, data=data, name="odd.csv"))
    response = mapping_post(client, token, col_0="full_name", col_1="email", save_as="Odd export")
    assert response.status_code == 302
    saved = ImportMapping.objects.get(name="Odd export", target="contacts")
    assert saved.mapping == {"Who": "full_name", "Mail": "email"}

    token = token_of(upload(client, data=data, name="odd-again.csv", saved_mapping=saved.pk))
    page = client.get(reverse("spreadsheets:import_map", args=[token]))
    form = page.context["form"]
    assert form["col_0"].value() == "full_name" and form["col_1"].value() == "email"


def test_saved_mapping_for_another_target_is_refused(client, staff):
    saved = ImportMapping.objects.create(name="Orgs", target="organisations", mapping={"Company": "name"})
    client.force_login(staff)
    response = upload(client, saved_mapping=saved.pk)
    assert response.status_code == 200
    assert "saved_mapping" in response.context["form"].errors


def test_double_commit_creates_one_batch(client, staff):
    client.force_login(staff)
    token = token_of(upload(client))
    mapping_post(client, token)
    first = client.post(reverse("spreadsheets:import_commit", args=[token]))
    second = client.post(reverse("spreadsheets:import_commit", args=[token]), follow=True)
    assert first.status_code == 302
    assert ImportBatch.objects.count() == 1 and Contact.objects.count() == 3
    assert "already been imported" in second.content.decode()


def test_a_claimed_upload_cannot_be_committed_again(client, staff):
    """Two requests racing: the second finds the file already claimed and imports nothing."""
    client.force_login(staff)
    token = token_of(upload(client))
    mapping_post(client, token)
    assert import_uploads.claim_upload(token) is not None
    client.post(reverse("spreadsheets:import_commit", args=[token]))
    assert ImportBatch.objects.count() == 0


def test_another_sessions_token_is_not_accepted(client, staff, organiser):
    client.force_login(staff)
    token = token_of(upload(client))
    client.force_login(organiser)
    response = client.get(reverse("spreadsheets:import_map", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("spreadsheets:import_upload")


def test_undo_refused_when_record_edited_after_import(client, staff):
    client.force_login(staff)
    token = token_of(upload(client))
    mapping_post(client, token)
    client.post(reverse("spreadsheets:import_commit", args=[token]))
    batch = ImportBatch.objects.get()
    ada = Contact.objects.get(email="ada@example.org")
    ada.job_title = "Edited later"
    ada.save()
    response = client.post(reverse("spreadsheets:import_undo", args=[batch.pk]), follow=True)
    assert "Nothing was undone" in response.content.decode()
    assert Contact.objects.count() == 3
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED


def test_committee_reads_history_but_cannot_import_or_undo(client, committee, staff):
    client.force_login(staff)
    token = token_of(upload(client))
    mapping_post(client, token)
    client.post(reverse("spreadsheets:import_commit", args=[token]))
    batch = ImportBatch.objects.get()

    client.force_login(committee)
    assert client.get(reverse("spreadsheets:import_list")).status_code == 200
    detail = client.get(reverse("spreadsheets:import_detail", args=[batch.pk]))
    assert detail.status_code == 200 and "Undo this import" not in detail.content.decode()
    assert upload(client).status_code == 403
    for name in ("spreadsheets:import_map", "spreadsheets:import_preview", "spreadsheets:import_commit"):
        assert client.post(reverse(name, args=[token])).status_code == 403
    assert client.get(reverse("spreadsheets:import_undo", args=[batch.pk])).status_code == 403
    assert client.post(reverse("spreadsheets:import_undo", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.get().status == ImportBatch.Status.COMMITTED
    history = client.get(reverse("spreadsheets:import_list")).content.decode()
    assert "Import a file" not in history


def test_history_is_paginated_and_has_an_empty_state(client, staff):
    client.force_login(staff)
    assert "No imports yet." in client.get(reverse("spreadsheets:import_list")).content.decode()
    ImportBatch.objects.bulk_create(
        [ImportBatch(target="contacts", file_name=f"file-{i}.csv", created_by=staff) for i in range(30)]
    )
    page = client.get(reverse("spreadsheets:import_list")).content.decode()
    assert page.count("file-") == 25
    assert "page=2" in page


def test_old_uploads_are_cleaned_on_upload(client, staff, upload_dir):
    import os
    import time

    upload_dir.mkdir(parents=True, exist_ok=True)
    stale = upload_dir / ("0" * 32 + ".upload")
    stale.write_bytes(b"old")
    old = time.time() - 2 * 24 * 60 * 60
    os.utime(stale, (old, old))
    client.force_login(staff)
    upload(client)
    assert not stale.exists()
