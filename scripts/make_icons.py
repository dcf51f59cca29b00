"""Draw the app's icons from one description: the SVG favicon, favicon.ico and the PNG app icons.

    .venv/bin/python scripts/make_icons.py        (make icons)

The files are committed as this script writes them (tests/crm/test_icons.py redraws them and
compares), so the icon changes here and nowhere else. The mark: a white "R" (for the records the
CRM keeps) on the network's blue, drawn as three strokes on a 32-unit grid. PNGs are drawn eight
times larger and scaled down, which is Pillow's anti-aliasing.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "static" / "crm" / "icons"
#: Served at the site's root by WhiteNoise (WHITENOISE_ROOT): a browser asks for /favicon.ico first.
SITE_ROOT = ROOT / "static" / "root"

BLUE, WHITE = "#0a58ca", "#ffffff"
GRID = 32
STROKE = 2.6
#: The "R": its stem and bowl (a line, a half circle, a line) and its leg, on the 32-unit grid.
STEM = [(9, 22), (9, 10), (14.5, 10)]
BOWL = ((14.5, 14), 4)  # centre, radius: the right half, from the top of the stem's bar to y = 18
BAR = [(14.5, 18), (9, 18)]
LEG = [(15, 18), (19.5, 22)]

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="{radius}" fill="{blue}"/>'
    '<path d="M9 22V10h5.5a4 4 0 0 1 0 8H9m6 0 4.5 4" fill="none" stroke="{white}" stroke-width="{stroke}" '
    'stroke-linecap="round" stroke-linejoin="round"/></svg>\n'
)
#: name → (size in pixels, corner radius in grid units, glyph scale): a maskable icon is full bleed
#: with the mark inside the middle 80% the launcher may crop to.
PNGS = {
    "icon-192.png": (192, 6, 1.0),
    "icon-512.png": (512, 6, 1.0),
    "icon-maskable-512.png": (512, 0, 0.7),
    "apple-touch-icon.png": (180, 0, 0.8),
}
ICO_SIZES = [16, 32, 48]
SUPERSAMPLE = 8


def svg() -> str:
    return SVG.format(radius=6, blue=BLUE, white=WHITE, stroke=STROKE)


def draw(size: int, radius: float = 6, scale: float = 1.0) -> Image.Image:
    big = size * SUPERSAMPLE
    unit = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius * unit, fill=BLUE)
    width = STROKE * unit * scale

    def at(point):
        x, y = point
        return ((GRID / 2 + (x - GRID / 2) * scale) * unit, (GRID / 2 + (y - GRID / 2) * scale) * unit)

    def line(points):
        placed = [at(p) for p in points]
        pen.line(placed, fill=WHITE, width=round(width), joint="curve")
        for x, y in placed:  # round caps
            pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=WHITE)

    line(STEM)
    (cx, cy), r = BOWL
    x, y = at((cx, cy))
    reach = r * unit * scale + width / 2
    pen.arc((x - reach, y - reach, x + reach, y + reach), start=-90, end=90, fill=WHITE, width=round(width))
    line(BAR)
    line(LEG)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def png_bytes(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def ico_bytes() -> bytes:
    out = BytesIO()
    draw(max(ICO_SIZES)).save(out, format="ICO", sizes=[(s, s) for s in ICO_SIZES])
    return out.getvalue()


def files() -> dict[Path, bytes]:
    """Every icon file, by path, as this script draws it."""
    made = {ICONS / "icon.svg": svg().encode(), ROOT / "static" / "crm" / "favicon.svg": svg().encode()}
    for name, (size, radius, scale) in PNGS.items():
        made[ICONS / name] = png_bytes(draw(size, radius, scale))
    made[SITE_ROOT / "favicon.ico"] = ico_bytes()
    return made


def main() -> int:
    for path, data in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}  {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
