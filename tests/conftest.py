"""Shared fixtures: one user per role, and Playwright pointed at Debian's Chromium."""

import os

import pytest
from django.contrib.auth.models import Group

from crm.roles import COMMITTEE, ORGANISER, STAFF

# live_server runs in a thread while sync Playwright holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s per user; tests create hundreds of users and check no hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases; on PostgreSQL, sessions still open on them at the end are ended
    before the drop. The live server answers each request in a daemon thread that the test does not
    wait for: one still answering Chromium when its test ends keeps its connection until the process
    exits, and DROP DATABASE then fails ("being accessed by other users"), about once in two full runs."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    connection.close()


def make_user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def organiser(db, django_user_model):
    return make_user(django_user_model, "org", ORGANISER, first_name="Olivia", last_name="Organiser")


@pytest.fixture
def committee(db, django_user_model):
    return make_user(django_user_model, "com", COMMITTEE)


@pytest.fixture
def staff(db, django_user_model):
    return make_user(django_user_model, "stf", STAFF)


@pytest.fixture
def role_user(request, django_user_model, db):
    """Parametrise with a role name (or None for a user with no role)."""
    return make_user(django_user_model, f"user-{request.param or 'none'}", request.param)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot_dir():
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The people using this app are in the UK: dates read and type day first."""
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


# --- the clock: tests marked `clock` run at each moment of tests/clock.py -------------------


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("clock") is None:
        return
    from django.db import connection

    from tests.clock import ESSENTIAL, MOMENTS

    names = list(MOMENTS) if connection.vendor == "sqlite" else ESSENTIAL
    metafunc.parametrize("frozen_clock", names, indirect=True)


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """For a test marked `clock`: the clock starts at the moment named by the parameter and ticks.

    Autouse, so it starts before the test's other fixtures create their rows with today's date."""
    name = getattr(request, "param", None)
    if name is None:
        yield None
        return
    import time_machine

    from tests.clock import MOMENTS

    with time_machine.travel(MOMENTS[name], tick=True):
        yield MOMENTS[name]
