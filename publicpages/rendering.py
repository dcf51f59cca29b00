"""The prospectus PDF (WeasyPrint, offline) and the wall's logo thumbnails (Pillow, made once).

The PDF's URL fetcher refuses anything but data: URIs and this app's static folder, as the
invoicing PDFs do: a value the organiser typed can never make the server fetch a URL.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

STATIC_DIR = (Path(settings.BASE_DIR) / "static" / "publicpages").resolve()
STYLESHEET = STATIC_DIR / "prospectus.css"
THUMBNAIL_DIR = "publicpages/logos"
#: A logo larger than this (pixels) is not decoded: no decompression bombs on a public URL.
MAX_LOGO_PIXELS = 40_000_000


class RefusedURL(ValueError):
    pass


def local_only_fetcher(url, *args, **kwargs):
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
        stylesheets=[stylesheet]
    )


def thumbnail(source: str, key: str, size: tuple[int, int]) -> str | None:
    """The storage name of `source` fitted within `size` as PNG, made the first time it is asked for.

    None when the source is missing or is not an image Pillow can read.
    """
    from PIL import Image, UnidentifiedImageError

    name = f"{THUMBNAIL_DIR}/{key}-{size[0]}x{size[1]}.png"
    if default_storage.exists(name):
        return name
    try:
        with default_storage.open(source, "rb") as handle:
            image = Image.open(handle)
            if image.width * image.height > MAX_LOGO_PIXELS:
                return None
            image.load()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
        return None
    image = image.convert("RGBA")
    image.thumbnail(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    if not default_storage.exists(name):  # two first requests at once: the first one's file stays
        default_storage.save(name, ContentFile(out.getvalue()))
    return name
