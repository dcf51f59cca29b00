"""Logos from outside are distrusted: checked by what they are, not by their names.

A raster logo must open, verify and decode in Pillow as a PNG or JPEG of at least
`LOGO_MIN_WIDTH` pixels wide (a decompression bomb is refused, not decoded). An SVG is parsed
without entities or DTDs (defusedxml) and refused, with the reason, when it has scripts, event
handlers, references outside itself or foreignObject; what is accepted is still passed through
py-svg-hush's allow-list before it is stored.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError

LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MIN_WIDTH = 500
#: Pillow refuses to decode more pixels than this (about 8,000 × 8,000): a small file that
#: expands to gigabytes in memory is a decompression bomb.
MAX_PIXELS = 64_000_000

RASTER_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
IMPORT_IN_CSS = re.compile(r"@import", re.IGNORECASE)


@dataclass
class CheckedLogo:
    content: bytes
    content_type: str
    extension: str
    width: int | None
    height: int | None


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


def check_logo(data: bytes, filename: str = "") -> CheckedLogo:
    """The logo as it will be stored, or ValidationError saying what is wrong with it."""
    if not data:
        raise ValidationError("The file is empty: choose your logo file again.")
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(f"The logo is {_mb(len(data))}; the limit is {_mb(LOGO_MAX_BYTES)}.")
    head = data[:512].lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE")) or filename.lower().endswith(".svg"):
        return _check_svg(data)
    return _check_raster(data)


def _check_raster(data: bytes) -> CheckedLogo:
    from PIL import Image, UnidentifiedImageError

    not_an_image = (
        "This file is not a PNG, JPEG or SVG image (whatever its name says). Export your logo as one of those."
    )
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in RASTER_FORMATS:
                    raise ValidationError(
                        f"A {kind or 'file of this kind'} image cannot be used: send a PNG, JPEG or SVG."
                    )
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()  # checksums and structure, without decoding
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # the pixels themselves: a truncated file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image claims to be enormous (more than 64 million pixels): it cannot be opened safely. "
            "Export your logo at a normal size, e.g. 2,000 pixels wide."
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(not_an_image) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(
            "This image is damaged or incomplete (it may not have finished uploading or saving). "
            "Export your logo again and send the new file."
        ) from error
    if width < LOGO_MIN_WIDTH:
        raise ValidationError(
            f"The logo is {width} pixels wide; printed materials need at least {LOGO_MIN_WIDTH}. "
            "Send a larger version, or an SVG."
        )
    content_type, extension = RASTER_FORMATS[kind]
    return CheckedLogo(data, content_type, extension, width, height)


def svg_problems(root) -> list[str]:
    """What makes an SVG unsafe to show on the sponsor wall, once each, in plain words."""
    problems: dict[str, None] = {}
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = tag.rsplit("}", 1)[-1].lower()
        if local == "script":
            problems["it contains a script"] = None
        if local == "foreignobject":
            problems["it contains a foreignObject (embedded web content)"] = None
        if (
            local == "style"
            and element.text
            and (URL_IN_CSS.search(element.text) or IMPORT_IN_CSS.search(element.text))
        ):
            problems["its styles load something from outside the file"] = None
        for name, value in element.attrib.items():
            attr = name.rsplit("}", 1)[-1].lower()
            if attr.startswith("on"):
                problems[f"it has an event handler ({attr})"] = None
            elif attr == "href" or name == XLINK_HREF:
                if not value.strip().startswith("#"):
                    problems["it refers to something outside the file (an href)"] = None
            elif attr == "style" and URL_IN_CSS.search(value):
                problems["its styles load something from outside the file"] = None
            elif URL_IN_CSS.search(value):
                problems["it refers to something outside the file (a url())"] = None
    return list(problems)


def _check_svg(data: bytes) -> CheckedLogo:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ValidationError(
            "This SVG declares a DTD or entities, which can be used to attack a server: it was refused. "
            "Export it again as plain SVG."
        ) from None
    except (ParseError, ValueError):
        raise ValidationError("This SVG is not well-formed XML: export your logo again, or send a PNG.") from None
    if root.tag != f"{SVG_NS}svg":
        raise ValidationError("This file is not an SVG image (its outer element is not <svg>).")
    problems = svg_problems(root)
    if problems:
        raise ValidationError(
            "This SVG was refused because "
            + "; ".join(problems)
            + ". Export a plain logo (shapes and text only), or send a PNG."
        )
    from py_svg_hush import filter_svg

    try:
        clean = filter_svg(data)
    except Exception as error:  # the sanitiser's own refusal: say so rather than fail
        raise ValidationError(f"This SVG could not be checked safely ({error}); send a PNG instead.") from None
    # What the allow-list kept must still be free of anything refused above.
    if svg_problems(fromstring(clean, forbid_dtd=True)):
        raise ValidationError("This SVG could not be made safe; send a PNG instead.")
    return CheckedLogo(clean, "image/svg+xml", "svg", None, None)
