"""Image service: decoding by content, WebP sizes, metadata dropped, files tied to transactions.

Each test runs inside the suite's rolled-back transaction, where the session's commit and
rollback are savepoint operations; the storage module's after_commit / after_rollback hooks fire
for those just as for real ones (the first tests below make sure of it), and the real_commits
tests check the same cleanup on a connection of its own.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bakery.extensions import db
from bakery.models.catalog import ProductImage
from bakery.services import storage
from bakery.services.errors import InvalidInput, UnsupportedMedia
from bakery.services.images import (
    add_product_image,
    delete_product_image,
    encode_variants,
    update_product_image,
    variant_name,
)
from tests import images_fixtures as pictures

SIZES = {"thumb": 200, "medium": 600, "large": 1200}
STORED_NAME = re.compile(r"^[0-9a-f]{32}-(thumb|medium|large)\.webp$")


def decoded(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def stored(app) -> list:
    return pictures.webp_files_in(app.config["UPLOAD_FOLDER"])


def image_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ProductImage))


# --- decoding and sizes ----------------------------------------------------------------------


def test_variants_are_webp_with_the_longest_side_of_each_size(app):
    encoded = encode_variants(pictures.encode(pictures.noise(1600, 900), "PNG"))

    assert (encoded.width, encoded.height) == (1600, 900)
    for variant, longest in SIZES.items():
        picture = decoded(encoded.variants[variant])
        assert picture.format == "WEBP"
        assert max(picture.size) == longest
        # The aspect ratio is kept (to a pixel of rounding).
        assert abs(picture.height - round(longest * 900 / 1600)) <= 1


def test_a_portrait_is_sized_by_its_height(app):
    encoded = encode_variants(pictures.jpeg(700, 1400))

    assert decoded(encoded.variants["thumb"]).size == (100, 200)
    assert decoded(encoded.variants["medium"]).size == (300, 600)
    assert decoded(encoded.variants["large"]).size == (600, 1200)


def test_small_pictures_are_never_upscaled(app):
    encoded = encode_variants(pictures.png(300, 200))

    assert decoded(encoded.variants["thumb"]).size == (200, 133)
    assert decoded(encoded.variants["medium"]).size == (300, 200)
    assert decoded(encoded.variants["large"]).size == (300, 200)


def test_width_and_height_are_the_upright_size_after_exif_rotation(app):
    encoded = encode_variants(pictures.jpeg_rotated(400, 200))

    assert (encoded.width, encoded.height) == (200, 400)
    large = decoded(encoded.variants["large"]).convert("RGB")
    assert large.size == (200, 400)
    # Turned clockwise, the left (red) half of the sideways picture is now on top.
    top, bottom = large.getpixel((100, 50)), large.getpixel((100, 350))
    assert top[0] > 150 > top[2]
    assert bottom[2] > 150 > bottom[0]


def test_an_animated_gif_keeps_its_first_frame(app):
    encoded = encode_variants(pictures.animated_gif(64, 48, colors=(pictures.RED, pictures.BLUE)))

    large = decoded(encoded.variants["large"])
    assert getattr(large, "n_frames", 1) == 1
    red, _, blue = large.convert("RGB").getpixel((32, 24))
    assert red > 150
    assert blue < 100


def test_transparency_survives_as_an_alpha_channel(app):
    encoded = encode_variants(pictures.png_with_alpha(64, 48))

    thumb = decoded(encoded.variants["thumb"])
    assert thumb.mode == "RGBA"
    assert thumb.getpixel((0, 0))[3] == 0
    assert thumb.getpixel((32, 24))[3] == 255


@pytest.mark.parametrize(
    ("data", "mode"),
    [
        (pictures.encode(Image.new("CMYK", (40, 30), (0, 200, 200, 0)), "JPEG"), "RGB"),
        (pictures.encode(Image.new("I;16", (40, 30), 30000), "PNG"), "RGB"),
        (pictures.encode(Image.new("L", (40, 30), 90), "PNG"), "RGB"),
        (pictures.encode(Image.new("1", (40, 30), 1), "PNG"), "RGB"),
        (pictures.encode(Image.new("LA", (40, 30), (90, 128)), "PNG"), "RGBA"),
        (pictures.palette_with_transparency("PNG"), "RGBA"),
        (pictures.palette_with_transparency("GIF"), "RGBA"),
        (pictures.encode(Image.new("RGB", (40, 30)), "PNG", transparency=(0, 0, 0)), "RGBA"),
    ],
    ids=[
        "cmyk-jpeg",
        "16-bit-grey-png",
        "grey-png",
        "1-bit-png",
        "grey-alpha-png",
        "palette-png-tRNS",
        "gif-transparent",
        "rgb-tRNS",
    ],
)
def test_colour_modes_are_normalised_to_rgb_or_rgba(app, data, mode):
    encoded = encode_variants(data)

    assert {decoded(content).mode for content in encoded.variants.values()} == {mode}


# --- refused content -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pictures.SVG,
        pictures.HTML,
        pictures.tiff(),
        pictures.EPS,
        pictures.PDF,
        pictures.TEXT,
        pictures.encode(Image.new("RGB", (40, 30)), "BMP"),
        pictures.encode(Image.new("RGB", (32, 32)), "ICO"),
    ],
    ids=["svg", "html", "tiff", "eps", "pdf", "text", "bmp", "ico"],
)
def test_anything_but_jpeg_png_webp_and_gif_is_unsupported(app, data):
    with pytest.raises(UnsupportedMedia):
        encode_variants(data)


@pytest.mark.parametrize(
    "data",
    [
        pictures.truncated(pictures.encode(pictures.noise(300, 200), "JPEG")),
        pictures.truncated(pictures.encode(pictures.noise(300, 200), "PNG")),
        pictures.truncated(pictures.encode(pictures.noise(300, 200), "WEBP")),
    ],
    ids=["jpeg", "png", "webp"],
)
def test_a_truncated_picture_is_invalid_input_naming_the_file(app, data):
    with pytest.raises(InvalidInput) as refused:
        encode_variants(data)

    assert refused.value.field == "file"


def test_a_decompression_bomb_is_refused_from_its_header(app):
    bomb = pictures.png_bomb(50_000, 50_000)
    assert len(bomb) < 1000
    assert pictures.declared_size(bomb) == (50_000, 50_000)

    with pytest.raises(InvalidInput) as refused:
        encode_variants(bomb)

    assert refused.value.field == "file"


def test_a_picture_over_the_default_pixel_limit_is_refused_below_pillows_own_limit(app):
    # 8,000 x 6,000 is 48 million pixels: over the app's 40 million, under Pillow's 89 million.
    with pytest.raises(InvalidInput, match="too many pixels"):
        encode_variants(pictures.png_bomb(8000, 6000))


@pytest.mark.parametrize("app_config", [{"IMAGE_MAX_PIXELS": 10_000}])
def test_the_pixel_limit_is_configuration(app):
    encode_variants(pictures.png(100, 100))

    with pytest.raises(InvalidInput, match="too many pixels"):
        encode_variants(pictures.png(101, 100))


# --- metadata and payloads -------------------------------------------------------------------


def test_gps_and_every_other_exif_tag_are_dropped(app):
    original = pictures.jpeg_with_gps()
    assert pictures.gps_of(original)

    encoded = encode_variants(original)

    for content in encoded.variants.values():
        assert not decoded(content).getexif()
        assert b"Exif" not in content
        assert b"EXIF" not in content


def test_icc_profiles_and_xmp_are_dropped(app):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">bakery-secret-location</x:xmpmeta>'
    original = pictures.jpeg(icc_profile=profile, xmp=xmp)

    encoded = encode_variants(original)

    for content in encoded.variants.values():
        assert b"ICCP" not in content
        assert b"bakery-secret-location" not in content
        assert "icc_profile" not in decoded(content).info


@pytest.mark.parametrize("payload", [pictures.PHP_PAYLOAD, pictures.SCRIPT_PAYLOAD])
@pytest.mark.parametrize("data", [pictures.jpeg(), pictures.png()], ids=["jpeg", "png"])
def test_bytes_appended_after_the_picture_are_not_kept(app, data, payload):
    encoded = encode_variants(data + payload)

    for content in encoded.variants.values():
        assert b"<?php" not in content
        assert b"<script" not in content


# --- records and files -----------------------------------------------------------------------


def test_an_image_is_stored_in_three_sizes_under_random_names(app, make_product):
    product = make_product(name="Rye loaf")

    image = add_product_image(product, pictures.png(300, 200))

    files = stored(app)
    assert [path.parent.name for path in files] == ["products"] * 3
    assert all(STORED_NAME.match(path.name) for path in files)
    assert {path.name for path in files} == {
        variant_name(image.file_key, variant).removeprefix("products/") for variant in SIZES
    }
    # Written then renamed: no temporary file is left beside them.
    assert pictures.files_in(app.config["UPLOAD_FOLDER"]) == files
    assert (image.width, image.height, image.alt, image.position) == (300, 200, "Rye loaf", 0)


def test_each_new_image_goes_after_the_others(app, make_product):
    product = make_product()

    positions = [add_product_image(product, pictures.png()).position for _ in range(3)]

    assert positions == [0, 1, 2]


def test_two_uploads_never_share_a_name(app, make_product):
    product = make_product()
    same = pictures.png()

    first, second = add_product_image(product, same), add_product_image(product, same)

    assert first.file_key != second.file_key
    assert len(stored(app)) == 6


def test_alt_text_is_stripped_and_defaults_to_the_product_name(app, make_product):
    product = make_product(name="Cardamom bun")

    assert add_product_image(product, pictures.png(), alt="  Buns on a tray ").alt == (
        "Buns on a tray"
    )
    assert add_product_image(product, pictures.png(), alt="   ").alt == "Cardamom bun"
    assert add_product_image(product, pictures.png()).alt == "Cardamom bun"


def test_too_long_alt_text_is_refused_before_anything_is_written(app, make_product):
    product = make_product()

    with pytest.raises(InvalidInput) as refused:
        add_product_image(product, pictures.png(), alt="x" * 201)

    assert refused.value.field == "alt"
    assert stored(app) == []


def test_a_refused_picture_writes_nothing(app, make_product):
    product = make_product()

    with pytest.raises(UnsupportedMedia):
        add_product_image(product, pictures.SVG)

    assert pictures.files_in(app.config["UPLOAD_FOLDER"]) == []
    assert image_rows() == 0


def test_moving_an_image_first_renumbers_the_others(app, make_product):
    product = make_product()
    first, second, third = (add_product_image(product, pictures.png()) for _ in range(3))

    update_product_image(third, position=0)

    assert [(image.id, image.position) for image in (third, first, second)] == [
        (third.id, 0),
        (first.id, 1),
        (second.id, 2),
    ]


# --- files follow the transaction ------------------------------------------------------------


def test_the_suites_commits_count_as_commits_for_the_files(app, make_product):
    # Guards the tests below: each test's commits are savepoints of one outer transaction, and
    # if the files stopped following them, those tests would pass or fail for the wrong reason.
    product = make_product()
    image = add_product_image(product, pictures.png())
    db.session.commit()
    db.session.rollback()
    assert len(stored(app)) == 3

    delete_product_image(image)
    db.session.commit()

    assert stored(app) == []


def test_a_rollback_removes_the_files_written_in_its_transaction(app, make_product):
    product = make_product()
    db.session.commit()
    add_product_image(product, pictures.png())
    assert len(stored(app)) == 3

    db.session.rollback()

    assert stored(app) == []
    assert image_rows() == 0


def test_a_rollback_keeps_the_files_of_images_committed_before(app, make_product):
    product = make_product()
    kept = add_product_image(product, pictures.png())
    db.session.commit()
    add_product_image(product, pictures.png())

    db.session.rollback()

    assert {path.name.split("-")[0] for path in stored(app)} == {kept.file_key}


def test_a_failed_commit_removes_the_files_it_would_have_kept(app, make_product):
    product = make_product()
    db.session.commit()
    image = add_product_image(product, pictures.png())
    # A second row with the same file key breaks a unique rule at commit time.
    db.session.add(ProductImage(product=product, file_key=image.file_key, width=1, height=1))

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    assert stored(app) == []
    assert image_rows() == 0


def test_a_deleted_images_files_go_only_once_the_deletion_is_committed(app, make_product):
    product = make_product()
    image = add_product_image(product, pictures.png())
    db.session.commit()

    delete_product_image(image)
    assert len(stored(app)) == 3
    db.session.commit()

    assert stored(app) == []


def test_a_rolled_back_deletion_keeps_the_files(app, make_product):
    product = make_product()
    image = add_product_image(product, pictures.png())
    db.session.commit()

    delete_product_image(image)
    db.session.rollback()
    # The next commit must not remove them either: the deletion was forgotten.
    db.session.commit()

    assert len(stored(app)) == 3
    assert image_rows() == 1


def test_a_crash_while_writing_leaves_no_file(app, monkeypatch):
    def no_space_left(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "replace", no_space_left)

    with pytest.raises(OSError, match="No space left"):
        storage.get_storage().save("products/abc-thumb.webp", b"RIFF....WEBP")

    assert pictures.files_in(app.config["UPLOAD_FOLDER"]) == []


def test_stored_files_are_readable_by_the_web_server(app):
    # mkstemp creates files only their owner can read; nginx serves them as another user.
    storage.get_storage().save("products/abc-thumb.webp", b"RIFF....WEBP")

    path = os.path.join(app.config["UPLOAD_FOLDER"], "products", "abc-thumb.webp")
    assert os.stat(path).st_mode & 0o777 == 0o644


@pytest.mark.real_commits
def test_a_really_failed_commit_removes_the_files_it_wrote(app, make_product):
    product = make_product()
    db.session.commit()
    image = add_product_image(product, pictures.png())
    db.session.add(ProductImage(product=product, file_key=image.file_key, width=1, height=1))

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    assert stored(app) == []
    assert image_rows() == 0


@pytest.mark.real_commits
def test_a_really_rolled_back_upload_leaves_no_file(app, make_product):
    product = make_product()
    db.session.commit()
    add_product_image(product, pictures.jpeg())

    db.session.rollback()

    assert stored(app) == []
    assert image_rows() == 0
