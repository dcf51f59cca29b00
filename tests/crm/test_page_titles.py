"""Every page's <title> names the page, not just the site: a browser tab, a bookmark and a screen
reader's first words say where you are. Walks every GET page of the permission matrix's URL list
that answers HTML, as the organiser (who may see them all) and, for the sign-in page, signed out."""

import re
from html import unescape

from tests.crm.test_permission_matrix import URL_NAMES, client_for, concrete_url, route_of, world  # noqa: F401
from tests.http import release

SITE = "Sponsorship CRM"
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[a-z0-9£]+")
#: Small words that name nothing on their own.
FILLER = {"a", "an", "and", "the", "of", "for", "to", "in", "on", "at", "by", "new", "your", "my", "s"}


def words(text):
    return {w for w in WORD.findall(unescape(TAG.sub(" ", text)).lower()) if w not in FILLER}


def html_page(name, world):
    role = "anonymous" if name == "login" else "organiser"
    response = client_for(role, world).get(concrete_url(route_of(name), name, world))
    release(response)  # a file download's handle, which the test client leaves open
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return None
    return response.content.decode()


def title_problem(name, page):
    found = TITLE.search(page)
    if not found:
        return "no <title>"
    title = " ".join(unescape(found.group(1)).split())
    if name.startswith("public:"):  # the network's public pages are not the CRM's: no site name
        title = f"{title} · {SITE}"
    if not title.endswith(f" · {SITE}"):
        return f"{title!r} does not end with the site's name"
    own = title.removesuffix(f" · {SITE}")
    if not own.strip():
        return f"the title {title!r} names only the site"
    heading = HEADING.search(page)
    if (
        heading and words(heading.group(1)) != words(SITE) and not words(own) & words(heading.group(1))
    ):  # the title says what the heading says
        return f"title {own!r}, heading {' '.join(unescape(TAG.sub(' ', heading.group(1))).split())!r}"
    return None


def test_every_pages_title_names_the_page(world):
    checked, problems = 0, []
    for name in URL_NAMES:
        page = html_page(name, world)
        if page is None:  # not a page: a redirect, a download, JSON, a POST-only action
            continue
        checked += 1
        problem = title_problem(name, page)
        if problem:
            problems.append(f"{name}: {problem}")
    assert checked > 60, f"only {checked} pages answered HTML: is the URL list right?"
    assert not problems, "\n".join(problems)
