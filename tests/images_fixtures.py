"""Pictures for the image tests, made with Pillow: each format, EXIF, payloads, bombs, fakes.

The image service judges uploads by their content, so every builder returns real bytes of the
format it names (or, for the fakes, the bytes an attacker would send).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

from PIL import Image

RED = (220, 30, 30)
BLUE = (30, 30, 220)
GREEN = (30, 200, 30)

EXIF_GPS_IFD = 0x8825
EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
# Orientation 6: the camera was turned; the picture must be rotated 90 degrees clockwise.
ROTATE_90_CLOCKWISE = 6

PHP_PAYLOAD = b"<?php system($_GET['c']); ?>"
SCRIPT_PAYLOAD = b"<script>alert(1)</script>"

SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
    b'<rect width="40" height="40" fill="red"/><script>alert(1)</script></svg>\n'
)
HTML = b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>\n"
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 40 40\nnewpath 0 0 moveto showpage\n%%EOF\n"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
TEXT = b"Three sourdough loaves, two baguettes.\n"


def encode(picture: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Random pixels: they compress badly, so a file's size follows its pixel count."""
    bands = len(mode)
    return Image.frombytes(mode, (width, height), os.urandom(width * height * bands))


def halves(width: int, height: int, left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another: shows which way a picture was turned."""
    picture = Image.new("RGB", (width, height), left)
    picture.paste(right, (width // 2, 0, width, height))
    return picture


def jpeg(width: int = 64, height: int = 48, color=RED, **options) -> bytes:
    return encode(Image.new("RGB", (width, height), color), "JPEG", quality=90, **options)


def png(width: int = 64, height: int = 48, color=RED, mode: str = "RGB") -> bytes:
    return encode(Image.new(mode, (width, height), color), "PNG")


def png_with_alpha(width: int = 64, height: int = 48) -> bytes:
    """Transparent, with an opaque red square in the middle."""
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    picture.paste((*RED, 255), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    return encode(picture, "PNG")


def palette_with_transparency(format: str = "PNG", width: int = 40, height: int = 30) -> bytes:
    """A palette picture: transparent background (index 0), an opaque red square (index 1)."""
    picture = Image.new("P", (width, height), 0)
    picture.putpalette([255, 255, 255, *RED])
    picture.paste(1, (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    return encode(picture, format, transparency=0)


def webp(width: int = 64, height: int = 48, color=GREEN) -> bytes:
    return encode(Image.new("RGB", (width, height), color), "WEBP", quality=90)


def animated_gif(width: int = 64, height: int = 48, colors=(RED, BLUE, GREEN)) -> bytes:
    frames = [Image.new("RGB", (width, height), color) for color in colors]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def tiff(width: int = 64, height: int = 48) -> bytes:
    return encode(Image.new("RGB", (width, height), RED), "TIFF")


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Baker's phone"
    exif[EXIF_GPS_IFD] = {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 53.0, 0.0)}
    return encode(Image.new("RGB", (width, height), RED), "JPEG", exif=exif)


def jpeg_rotated(width: int = 400, height: int = 200, orientation: int = ROTATE_90_CLOCKWISE):
    """A sideways JPEG (left red, right blue) whose EXIF says how to turn it upright."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return encode(halves(width, height), "JPEG", quality=95, exif=exif)


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as picture:
        return dict(picture.getexif().get_ifd(EXIF_GPS_IFD))


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A real, tiny PNG whose header declares `width` x `height` pixels (CRC kept valid)."""
    data = bytearray(png(8, 8, mode="1", color=0))
    # Signature (8 bytes), then the IHDR chunk: length (4), type (4), width, height, ...
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def declared_size(data: bytes) -> tuple[int, int]:
    """The size a PNG's header declares, read without Pillow (which refuses to open a bomb)."""
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def files_in(folder: str | Path) -> list[Path]:
    """Every file under the upload folder, dot-files (half-written temporaries) included."""
    return sorted(path for path in Path(folder).rglob("*") if path.is_file())


def webp_files_in(folder: str | Path) -> list[Path]:
    return [path for path in files_in(folder) if path.suffix == ".webp"]
