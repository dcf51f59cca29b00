"""PDFs from Django templates with WeasyPrint, offline.

Fonts are the system's packaged DejaVu fonts (Debian fonts-dejavu-core, installed by the
Makefile) found through fontconfig, so no @font-face download is needed. The URL fetcher
refuses anything but data: URIs and files under this app's static folder: a template or a
value typed into one (an address, a PO number) can never make the server fetch a URL.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

STATIC_DIR = (Path(settings.BASE_DIR) / "static" / "invoicing").resolve()
STYLESHEET = STATIC_DIR / "print.css"


class RefusedURL(ValueError):
    pass


def local_only_fetcher(url, *args, **kwargs):
    """WeasyPrint url_fetcher: data: URIs and this app's static files only, never the network."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    if url.startswith("file://"):
        path = Path(url[len("file://") :]).resolve()
        if path.is_relative_to(STATIC_DIR):
            return default_url_fetcher(url, *args, **kwargs)
    raise RefusedURL(f"PDF rendering fetches nothing from outside: refused {url[:80]!r}")


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template_name, context)
    stylesheet = CSS(filename=str(STYLESHEET), url_fetcher=local_only_fetcher)
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=local_only_fetcher).write_pdf(
        stylesheets=[stylesheet],
    )
