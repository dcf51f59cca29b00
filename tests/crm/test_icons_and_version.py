"""The icons, the web app manifest (the quick log on a phone's home screen) and the version number."""

import importlib.util
import json
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from crm.version import VERSION

ROOT = Path(__file__).resolve().parent.parent.parent


def make_icons():
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "scripts" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pixels(data: bytes):
    image = Image.open(BytesIO(data))
    return image.size, image.convert("RGBA").tobytes()


def test_the_committed_icons_are_what_the_script_draws():
    """No icon is edited by hand: each file is scripts/make_icons.py's output (`make icons`)."""
    for path, data in make_icons().files().items():
        assert path.exists(), f"{path.relative_to(ROOT)} is missing: run make icons"
        committed = path.read_bytes()
        if path.suffix == ".png":
            assert pixels(committed) == pixels(data), f"{path.relative_to(ROOT)} differs: run make icons"
        elif path.suffix == ".svg":
            assert committed == data, path
        else:  # favicon.ico: each size drawn as the script draws it
            assert Image.open(BytesIO(committed)).info["sizes"] == Image.open(BytesIO(data)).info["sizes"]


@pytest.mark.django_db
def test_the_browsers_first_request_for_favicon_ico_is_answered_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file (read to the end: closed)


def test_the_manifest_puts_the_quick_log_on_the_home_screen(client, organiser):
    path = finders.find("quicklog/manifest.webmanifest")
    manifest = json.loads(Path(path).read_text())
    assert manifest["start_url"] == reverse("quicklog:quick_log")
    assert manifest["display"] == "standalone" and manifest["short_name"]
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/")
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        if icon["type"] == "image/png":
            with Image.open(found) as image:
                assert image.size == tuple(int(n) for n in icon["sizes"].split("x"))
    client.force_login(organiser)
    page = client.get(reverse("quicklog:quick_log")).content.decode()
    assert 'rel="manifest" href="/static/quicklog/manifest.webmanifest"' in page
    assert 'rel="apple-touch-icon"' in page and 'href="/favicon.ico"' in page


def test_the_version_is_pyprojects_and_shows_in_the_footer(client, organiser):
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        assert tomllib.load(handle)["project"]["version"] == VERSION
    client.force_login(organiser)
    page = client.get(reverse("crm:organisation_list")).content.decode()
    assert f'<span data-testid="version">{VERSION}</span>' in page
