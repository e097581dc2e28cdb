"""Illustrative product pictures for the demo catalog, drawn with Pillow."""

import hashlib
import io
import math
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bakery.demo_catalog import COLOURS

RGB = tuple[int, int, int]
Shape = Callable[[ImageDraw.ImageDraw, float, float, float, RGB, bytes], None]

_WHITE: RGB = (255, 255, 255)
_BLACK: RGB = (0, 0, 0)
_FALLBACK_COLOURS: tuple[RGB, RGB] = ((240, 230, 215), (150, 110, 70))
# Shapes are drawn at twice the size and scaled down: ImageDraw does not anti-alias.
_SUPERSAMPLE = 2
# The part of the picture (left, top, right, bottom, as fractions) that the bake and its
# plate are drawn in; the caption goes below it.
_STAGE = (0.14, 0.1, 0.86, 0.78)
# The built-in font only covers ASCII; these letters have no decomposition to fall back on.
_ASCII_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "\u2013": "-",
        "\u2014": "-",
    }
)


def draw_product_picture(name: str, category: str, *, size: tuple[int, int] = (1200, 900)) -> bytes:
    """Return a PNG of a stylised bake for `category`, captioned with `name`."""
    background, accent = COLOURS.get(category, _FALLBACK_COLOURS)
    # A stable digest (unlike hash()) makes the small variations repeat across processes.
    seed = hashlib.shake_256(f"{category}/{name}".encode()).digest(64)

    picture = _backdrop(size, background)
    _illustrate(picture, background, accent, _SHAPES.get(category, _loaf), seed)
    _caption(picture, name, _mix(accent, _BLACK, 0.45))

    out = io.BytesIO()
    # Level 1 is much faster than the default and the files are still small.
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _backdrop(size: tuple[int, int], background: RGB) -> Image.Image:
    # A soft radial glow, lighter in the middle where the bake sits. Colouring the grey
    # gradient through per-channel lookup tables is cheaper than compositing two images.
    glow = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    centre, edge = _mix(background, _WHITE, 0.45), _mix(background, _BLACK, 0.08)
    channels = [
        glow.point([round(c + (e - c) * level / 255) for level in range(256)])
        for c, e in zip(centre, edge, strict=True)
    ]
    return Image.merge("RGB", channels)


def _illustrate(
    picture: Image.Image, background: RGB, accent: RGB, shape: Shape, seed: bytes
) -> None:
    # Only the stage above the caption is supersampled, to stay within the time budget.
    # Nearest-neighbour up then box-filter down gives back the backdrop's exact pixels
    # wherever nothing was drawn, so the pasted stage has no seams.
    width, height = picture.size
    left, top, right, bottom = _STAGE
    stage = (round(width * left), round(height * top), round(width * right), round(height * bottom))
    region = picture.crop(stage)
    big = region.resize(
        (region.width * _SUPERSAMPLE, region.height * _SUPERSAMPLE), Image.Resampling.NEAREST
    )
    draw = ImageDraw.Draw(big, "RGBA")
    # Sizes are fractions of a 4:3 frame that fits the picture, so other aspect ratios
    # keep the bake whole and centred.
    unit = min(width, height * 4 / 3) * _SUPERSAMPLE
    cx = (width / 2 - stage[0]) * _SUPERSAMPLE
    cy = (height * 0.4 - stage[1]) * _SUPERSAMPLE
    _plate(draw, cx, cy + unit * 0.14, unit, background)
    shape(draw, cx, cy, unit, accent, seed)
    picture.paste(big.reduce(_SUPERSAMPLE), stage[:2])


def _plate(draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, background: RGB) -> None:
    rx, ry = unit * 0.33, unit * 0.11
    draw.ellipse(_box(cx, cy + unit * 0.015, rx, ry), fill=(0, 0, 0, 28))
    draw.ellipse(_box(cx, cy, rx, ry), fill=_mix(background, _WHITE, 0.75))
    draw.ellipse(_box(cx, cy, rx * 0.8, ry * 0.78), outline=background, width=int(unit / 300))


def _loaf(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    rx, ry = unit * 0.28, unit * 0.16
    draw.ellipse(_box(cx, cy + ry * 0.18, rx, ry), fill=_mix(accent, _BLACK, 0.3))
    draw.ellipse(_box(cx, cy, rx, ry), fill=accent)
    draw.ellipse(_box(cx - rx * 0.15, cy - ry * 0.35, rx * 0.6, ry * 0.45), fill=_lighter(accent))
    # Curved scores, pale like flour-dusted cuts; their number varies by product.
    scores = 3 + seed[0] % 3
    flour = _mix(accent, _WHITE, 0.7)
    for i in range(scores):
        x = cx + (i - (scores - 1) / 2) * rx * 1.3 / scores
        cut = _box(x + rx * 0.1, cy, rx * 0.2, ry * 0.6)
        draw.arc(cut, start=135, end=225, fill=flour, width=int(unit / 60))


def _crescent(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    # Overlapping rolled segments along an arc, drawn from the tips inward so the fat
    # middle sits on top, read as a croissant far better than a cut-out moon.
    segments = 7
    radius = unit * 0.2
    bend = 0.85 + seed[1] % 4 * 0.05
    outline = _mix(accent, _BLACK, 0.35)
    order = sorted(range(segments), key=lambda i: -abs(i - segments // 2))
    for i in order:
        offset = (i - segments // 2) / (segments // 2)
        angle = math.pi / 2 + offset * bend
        x = cx + math.cos(angle) * radius * 1.25
        y = cy + unit * 0.22 - math.sin(angle) * radius
        size = unit * (0.11 - 0.05 * abs(offset))
        shade = _mix(accent, _WHITE, 0.25 * (1 - abs(offset)))
        draw.ellipse(
            _box(x, y, size * 0.8, size), fill=shade, outline=outline, width=int(unit / 150)
        )


def _cake(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    rx, ry = unit * 0.2, unit * 0.06
    sponge = (236, 200, 140)
    cream = _mix(accent, _WHITE, 0.7)
    bands = [sponge, cream, sponge, cream, sponge]
    band_height = unit * 0.045
    bottom = cy + unit * 0.12
    # Each band's lower ellipse covers the top of the band below, giving curved seams.
    for i, colour in enumerate(bands):
        lower = bottom - i * band_height
        draw.ellipse(_box(cx, lower, rx, ry), fill=colour)
        draw.rectangle((cx - rx, lower - band_height, cx + rx, lower), fill=colour)
    top = bottom - len(bands) * band_height
    draw.ellipse(_box(cx, top, rx, ry), fill=accent)
    draw.ellipse(_box(cx, top - ry * 0.1, rx * 0.8, ry * 0.7), fill=_lighter(accent))
    berries = 5 + seed[2] % 3
    turn = seed[3] / 255
    ring = [2 * math.pi * i / berries + turn for i in range(berries)]
    berry = _mix(accent, _BLACK, 0.35)
    # Back berries first, so the nearer ones overlap them.
    for angle in sorted(ring, key=math.sin):
        x, y = cx + math.cos(angle) * rx * 0.6, top + math.sin(angle) * ry * 0.6
        draw.ellipse(_box(x, y - ry * 0.2, unit * 0.022, unit * 0.022), fill=berry)


def _cookie(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    radius = unit * 0.2
    dough = _mix(accent, (240, 190, 120), 0.55)
    draw.ellipse(_box(cx, cy + unit * 0.025, radius, radius * 0.55), fill=_mix(dough, _BLACK, 0.3))
    draw.ellipse(_box(cx, cy, radius, radius * 0.55), fill=dough)
    draw.ellipse(_box(cx, cy - unit * 0.01, radius * 0.85, radius * 0.45), fill=_lighter(dough))
    # Chips on a golden-angle spiral spread evenly; the seed nudges each one.
    chips = 8 + seed[4] % 5
    chip = _mix(accent, _BLACK, 0.45)
    for i in range(chips):
        angle = i * 2.39996 + seed[5 + i] / 255
        reach = math.sqrt((i + 0.5) / chips) * 0.78
        x = cx + math.cos(angle) * radius * reach
        y = cy + math.sin(angle) * radius * 0.55 * reach
        chip_size = unit * (0.012 + seed[20 + i] % 4 * 0.003)
        draw.ellipse(_box(x, y, chip_size * 1.3, chip_size), fill=chip)


def _slice(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    half_w, half_d, depth, skew = unit * 0.24, unit * 0.1, unit * 0.08, unit * 0.07
    front_y = cy + unit * 0.1
    cx -= skew / 2  # centre the slab with its receding side, not just its front face
    crust = (214, 168, 96)
    # A slab seen from the front right: the top face leans back to the right.
    top = [
        (cx - half_w, front_y),
        (cx - half_w + skew, front_y - half_d),
        (cx + half_w + skew, front_y - half_d),
        (cx + half_w, front_y),
    ]
    base_y = front_y + depth
    side = [top[3], top[2], (top[2][0], top[2][1] + depth), (top[3][0], base_y)]
    filling = [top[0], top[3], (top[3][0], base_y), (top[0][0], base_y)]
    pastry = [(top[0][0], base_y - depth * 0.35), (top[3][0], base_y - depth * 0.35)]
    draw.polygon(side, fill=_mix(crust, _BLACK, 0.3))
    draw.polygon(filling, fill=(240, 208, 120))
    draw.polygon([*pastry, (top[3][0], base_y), (top[0][0], base_y)], fill=crust)
    draw.polygon(top, fill=_mix(crust, _WHITE, 0.25))
    # Toppings in the category's accent and a second, warmer colour, spread over the top.
    toppings = 9 + seed[6] % 4
    colours = (accent, (196, 72, 52))
    for i in range(toppings):
        across, back = 0.1 + seed[30 + i] / 255 * 0.8, 0.2 + seed[45 + i] / 255 * 0.6
        x = cx - half_w + across * 2 * half_w + back * skew
        y = front_y - back * half_d
        draw.ellipse(_box(x, y, unit * 0.016, unit * 0.011), fill=colours[i % 2])


def _star(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, unit: float, accent: RGB, seed: bytes
) -> None:
    tilt = (seed[7] % 20 - 10) * math.pi / 180
    cy += unit * 0.04
    biscuit = _mix(accent, (196, 120, 60), 0.6)
    draw.polygon(
        _star_points(cx, cy + unit * 0.02, unit * 0.21, tilt), fill=_mix(biscuit, _BLACK, 0.3)
    )
    draw.polygon(_star_points(cx, cy, unit * 0.21, tilt), fill=biscuit)
    draw.polygon(_star_points(cx, cy, unit * 0.17, tilt), outline=_WHITE, width=int(unit / 110))
    draw.ellipse(_box(cx, cy, unit * 0.025, unit * 0.025), fill=accent)


def _star_points(cx: float, cy: float, radius: float, tilt: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        reach = radius if i % 2 == 0 else radius * 0.45
        angle = tilt - math.pi / 2 + i * math.pi / 5
        points.append((cx + math.cos(angle) * reach, cy + math.sin(angle) * reach))
    return points


_SHAPES: dict[str, Shape] = {
    "breads": _loaf,
    "viennoiserie": _crescent,
    "cakes-tarts": _cake,
    "cookies-biscuits": _cookie,
    "savoury": _slice,
    "seasonal": _star,
}


def _caption(picture: Image.Image, name: str, colour: RGB) -> None:
    text = _fold_to_ascii(name)
    max_width = picture.width * 0.88
    preferred = picture.height / 12
    # Text width grows linearly with font size, so one measurement at 100 px sizes everything.
    # One line is kept while it fits at three quarters of the preferred size or more.
    lines = [text]
    if _font(100).getlength(text) * preferred * 0.75 / 100 > max_width:
        lines = _two_lines(text)
    widest = max(_font(100).getlength(line) for line in lines)
    font_size = max(12, int(min(preferred, 100 * max_width / max(widest, 1))))
    font = _font(font_size)
    draw = ImageDraw.Draw(picture)
    line_height = font_size * 1.2
    first_y = picture.height * 0.87 - (len(lines) - 1) * line_height / 2
    for i, line in enumerate(lines):
        y = first_y + i * line_height
        draw.text((picture.width / 2, y), line, font=font, fill=colour, anchor="mm")


def _two_lines(text: str) -> list[str]:
    words = text.split()
    if len(words) < 2:
        return [text]
    # Break at the space that leaves the two lines closest in length.
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(text) / 2))
    return [" ".join(words[:best]), " ".join(words[best:])]


def _fold_to_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _box(cx: float, cy: float, rx: float, ry: float) -> tuple[float, float, float, float]:
    return (cx - rx, cy - ry, cx + rx, cy + ry)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _lighter(colour: RGB) -> RGB:
    return _mix(colour, _WHITE, 0.25)
