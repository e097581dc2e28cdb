"""Product photos API: uploads judged by content, WebP sizes on disk, order, removal, /uploads/.

Every upload here is a real picture made with Pillow (tests/images_fixtures.py). Each test looks
at the answer, at the upload folder and at the rows as the database has them afterwards.
"""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bakery.extensions import db
from bakery.models.catalog import Product, ProductImage
from tests import images_fixtures as pictures

FIVE_MB = 5 * 1024 * 1024
IMAGE_KEYS = {"id", "url", "variants", "width", "height", "alt"}
SIZES = {"thumb": 200, "medium": 600, "large": 1200}
VARIANT_URL = re.compile(
    r"^http://localhost/uploads/products/[0-9a-f]{32}-(thumb|medium|large)\.webp$"
)
BOUNDARY = "bakery-test-boundary"


@pytest.fixture
def as_admin(bearer) -> dict:
    return bearer("owner@example.com", role="admin")


@pytest.fixture
def product(make_product):
    loaf = make_product(name="Sourdough loaf", slug="sourdough")
    # Committed like the setup of a real request: a refused upload's rollback keeps it.
    db.session.commit()
    return loaf


@pytest.fixture
def folder(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def images_path(slug: str = "sourdough") -> str:
    return f"/api/v1/products/{slug}/images"


def upload(client, headers, data, *, slug="sourdough", filename="photo.jpg", mimetype=None, **form):
    fields = {"file": (io.BytesIO(data), filename, mimetype or "image/jpeg"), **form}
    return client.post(
        images_path(slug), data=fields, headers=headers, content_type="multipart/form-data"
    )


def multipart_body(content: bytes, filename: str = "photo.png") -> bytes:
    """A hand-made multipart body, to control its exact length."""
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart_body_of_length(length: int, picture: bytes) -> bytes:
    """A real picture padded with trailing zeros so that the whole body is `length` bytes."""
    overhead = len(multipart_body(b""))
    return multipart_body(picture + b"\0" * (length - overhead - len(picture)))


def image_rows() -> list[ProductImage]:
    # What the database holds now, not what this test's session remembers.
    db.session.expire_all()
    return list(db.session.scalars(select(ProductImage).order_by(ProductImage.id)))


def file_of(folder: Path, url: str) -> Path:
    return folder / urlsplit(url).path.removeprefix("/uploads/")


def stored_size(folder: Path, url: str) -> tuple[int, int]:
    with Image.open(file_of(folder, url)) as picture:
        assert picture.format == "WEBP"
        return picture.size


def assert_refused_as_json(response, statuses) -> None:
    assert response.status_code in statuses
    assert response.is_json
    assert response.json["code"] == response.status_code
    assert response.json["message"]


def fields_named(response) -> set[str]:
    """The fields a 422 names, wherever (form, files, json) the request carried them."""
    return {name for fields in response.json.get("errors", {}).values() for name in fields}


def product_images(client, slug: str = "sourdough") -> list[dict]:
    response = client.get(f"/api/v1/products/{slug}")
    assert response.status_code == 200
    return response.json["images"]


# --- accepted formats ------------------------------------------------------------------------


ACCEPTED = {
    "jpeg": (pictures.jpeg(64, 48), "bread.jpg", "image/jpeg"),
    "png": (pictures.png(64, 48), "bread.png", "image/png"),
    "png-alpha": (pictures.png_with_alpha(64, 48), "bread.png", "image/png"),
    "webp": (pictures.webp(64, 48), "bread.webp", "image/webp"),
    "gif-animated": (pictures.animated_gif(64, 48), "bread.gif", "image/gif"),
}


@pytest.mark.parametrize("kind", list(ACCEPTED))
def test_each_accepted_format_is_stored_as_three_webp_sizes(
    client, as_admin, product, folder, kind
):
    data, filename, mimetype = ACCEPTED[kind]

    response = upload(client, as_admin, data, filename=filename, mimetype=mimetype)

    assert response.status_code == 201
    body = response.json
    assert set(body) == IMAGE_KEYS
    assert set(body["variants"]) == set(SIZES)
    assert body["url"] == body["variants"]["large"]
    assert all(VARIANT_URL.match(url) for url in body["variants"].values())
    assert (body["width"], body["height"], body["alt"]) == (64, 48, "Sourdough loaf")
    for url in body["variants"].values():
        assert stored_size(folder, url) == (64, 48)
    [row] = image_rows()
    assert (row.id, row.product_id, row.width, row.height, row.alt, row.position) == (
        body["id"],
        product.id,
        64,
        48,
        "Sourdough loaf",
        0,
    )
    assert product_images(client) == [body]


def test_a_transparent_png_keeps_its_transparency(client, as_admin, product, folder):
    body = upload(client, as_admin, pictures.png_with_alpha(64, 48), mimetype="image/png").json

    with Image.open(file_of(folder, body["variants"]["medium"])) as medium:
        assert medium.mode == "RGBA"
        assert medium.getpixel((0, 0))[3] == 0
        assert medium.getpixel((32, 24))[3] == 255


def test_an_animated_gif_is_stored_as_its_first_frame(client, as_admin, product, folder):
    gif = pictures.animated_gif(64, 48, colors=(pictures.RED, pictures.BLUE, pictures.GREEN))

    body = upload(client, as_admin, gif, mimetype="image/gif").json

    with Image.open(file_of(folder, body["url"])) as large:
        assert getattr(large, "n_frames", 1) == 1
        red, green, blue = large.convert("RGB").getpixel((32, 24))
    assert red > 150
    assert green < 100
    assert blue < 100


def test_a_large_picture_gets_each_sizes_longest_side(client, as_admin, product, folder):
    original = pictures.encode(pictures.noise(1600, 1200), "JPEG", quality=85)

    body = upload(client, as_admin, original).json

    assert (body["width"], body["height"]) == (1600, 1200)
    assert stored_size(folder, body["variants"]["thumb"]) == (200, 150)
    assert stored_size(folder, body["variants"]["medium"]) == (600, 450)
    assert stored_size(folder, body["variants"]["large"]) == (1200, 900)


def test_a_small_picture_is_never_upscaled(client, as_admin, product, folder):
    body = upload(client, as_admin, pictures.png(300, 200), mimetype="image/png").json

    assert (body["width"], body["height"]) == (300, 200)
    assert stored_size(folder, body["variants"]["thumb"]) == (200, 133)
    assert stored_size(folder, body["variants"]["medium"]) == (300, 200)
    assert stored_size(folder, body["variants"]["large"]) == (300, 200)


def test_width_and_height_are_the_originals_after_exif_rotation(client, as_admin, product, folder):
    body = upload(client, as_admin, pictures.jpeg_rotated(400, 200)).json

    assert (body["width"], body["height"]) == (200, 400)
    assert stored_size(folder, body["url"]) == (200, 400)
    assert stored_size(folder, body["variants"]["thumb"]) == (100, 200)
    [row] = image_rows()
    assert (row.width, row.height) == (200, 400)


def test_the_alt_text_given_is_kept(client, as_admin, product):
    response = upload(client, as_admin, pictures.jpeg(), alt="A crusty loaf on a board")

    assert response.status_code == 201
    assert response.json["alt"] == "A crusty loaf on a board"
    assert [row.alt for row in image_rows()] == ["A crusty loaf on a board"]
    assert product_images(client)[0]["alt"] == "A crusty loaf on a board"


def test_an_empty_alt_text_falls_back_to_the_product_name(client, as_admin, product):
    response = upload(client, as_admin, pictures.jpeg(), alt="")

    assert response.status_code == 201
    assert response.json["alt"] == "Sourdough loaf"


def test_the_uploaded_file_name_never_reaches_the_disk(client, as_admin, product, folder):
    response = upload(client, as_admin, pictures.jpeg(), filename="../../../wsgi.php.jpg")

    assert response.status_code == 201
    names = [path.relative_to(folder).as_posix() for path in pictures.files_in(folder)]
    assert len(names) == 3
    assert all(re.fullmatch(r"products/[0-9a-f]{32}-(thumb|medium|large)\.webp", n) for n in names)
    assert not (folder.parent.parent / "wsgi.php.jpg").exists()


def test_image_urls_honour_the_proxys_scheme_and_host(client, as_admin, product):
    forwarded = {**as_admin, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"}

    body = upload(client, forwarded, pictures.jpeg()).json

    assert all(
        url.startswith("https://shop.example/uploads/products/")
        for url in body["variants"].values()
    )


def test_uploads_to_an_inactive_product_are_allowed(client, as_admin, make_product):
    make_product(name="Winter stollen", slug="stollen", is_active=False)
    db.session.commit()

    response = upload(client, as_admin, pictures.jpeg(), slug="stollen")

    assert response.status_code == 201
    assert response.json["alt"] == "Winter stollen"


# --- refused by content ----------------------------------------------------------------------


REFUSED = {
    "svg": (pictures.SVG, "photo.svg", "image/svg+xml", {415}),
    "svg-named-jpeg": (pictures.SVG, "photo.jpg", "image/jpeg", {415}),
    "html": (pictures.HTML, "photo.jpg", "image/jpeg", {415}),
    "tiff": (pictures.tiff(), "photo.tiff", "image/tiff", {415}),
    "tiff-named-png": (pictures.tiff(), "photo.png", "image/png", {415}),
    "eps": (pictures.EPS, "photo.eps", "application/postscript", {415}),
    "eps-named-jpeg": (pictures.EPS, "photo.jpg", "image/jpeg", {415}),
    "pdf": (pictures.PDF, "photo.png", "image/png", {415}),
    "text-named-png": (pictures.TEXT, "photo.png", "image/png", {415}),
    "truncated-jpeg": (
        pictures.truncated(pictures.encode(pictures.noise(300, 200), "JPEG")),
        "photo.jpg",
        "image/jpeg",
        {422},
    ),
    "truncated-png": (
        pictures.truncated(pictures.encode(pictures.noise(300, 200), "PNG")),
        "photo.png",
        "image/png",
        {422},
    ),
    "png-signature-then-noise": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "photo.png",
        "image/png",
        {415, 422},
    ),
    "empty": (b"", "photo.jpg", "image/jpeg", {415, 422}),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_file_that_is_not_an_accepted_picture_is_refused(client, as_admin, product, folder, kind):
    data, filename, mimetype, statuses = REFUSED[kind]

    response = upload(client, as_admin, data, filename=filename, mimetype=mimetype)

    assert_refused_as_json(response, statuses)
    if response.status_code == 422:
        assert "file" in fields_named(response)
    assert pictures.files_in(folder) == []
    assert image_rows() == []
    assert product_images(client) == []


# --- metadata and payloads -------------------------------------------------------------------


def test_exif_gps_is_absent_from_every_stored_variant(client, as_admin, product, folder):
    original = pictures.jpeg_with_gps(640, 480)
    assert pictures.gps_of(original)

    body = upload(client, as_admin, original).json

    for url in body["variants"].values():
        path = file_of(folder, url)
        with Image.open(path) as stored:
            assert not stored.getexif()
        assert b"Exif" not in path.read_bytes()
        assert b"EXIF" not in path.read_bytes()


@pytest.mark.parametrize("payload", [pictures.PHP_PAYLOAD, pictures.SCRIPT_PAYLOAD])
@pytest.mark.parametrize(
    ("original", "mimetype"),
    [(pictures.jpeg(), "image/jpeg"), (pictures.png(), "image/png")],
    ids=["jpeg", "png"],
)
def test_a_payload_appended_to_a_picture_is_not_stored(
    client, as_admin, product, folder, original, mimetype, payload
):
    response = upload(client, as_admin, original + payload, mimetype=mimetype)

    assert response.status_code == 201
    files = pictures.files_in(folder)
    assert len(files) == 3
    for path in files:
        content = path.read_bytes()
        assert b"<?php" not in content
        assert b"<script" not in content


# --- limits ----------------------------------------------------------------------------------


def test_a_body_over_5_mb_is_413_json_and_nothing_is_stored(client, as_admin, product, folder):
    body = multipart_body_of_length(FIVE_MB + 1, pictures.png())
    assert len(body) == FIVE_MB + 1

    response = client.post(
        images_path(),
        data=body,
        headers=as_admin,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )

    assert_refused_as_json(response, {413})
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_a_body_of_exactly_5_mb_is_accepted(client, as_admin, product, folder):
    # The limit is "more than 5 MB": a picture padded to exactly 5 MB (trailing bytes are
    # dropped by the re-encoding) goes through.
    body = multipart_body_of_length(FIVE_MB, pictures.png())

    response = client.post(
        images_path(),
        data=body,
        headers=as_admin,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )

    assert response.status_code == 201
    assert len(pictures.files_in(folder)) == 3


def test_a_body_over_5_mb_without_a_declared_length_is_413_json(client, as_admin, product, folder):
    # No Content-Length to refuse up front: the limit must hold while the stream is read.
    body = multipart_body_of_length(FIVE_MB + 1024, pictures.png())

    response = client.post(
        images_path(),
        input_stream=io.BytesIO(body),
        headers=as_admin,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert_refused_as_json(response, {413})
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_a_decompression_bomb_is_422_and_nothing_is_stored(client, as_admin, product, folder):
    bomb = pictures.png_bomb(50_000, 50_000)
    assert len(bomb) < 1000
    assert pictures.declared_size(bomb) == (50_000, 50_000)

    started = time.perf_counter()
    response = upload(client, as_admin, bomb, filename="bomb.png", mimetype="image/png")
    # Reported for whoever reads the output; a timing is not a reliable assertion.
    print(f"bomb refused in {time.perf_counter() - started:.3f}s")

    assert_refused_as_json(response, {422})
    assert "file" in fields_named(response)
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_a_picture_over_the_pixel_limit_is_422(client, as_admin, product, folder):
    # 48 million pixels: over the app's limit, under the point where Pillow itself objects.
    response = upload(client, as_admin, pictures.png_bomb(8000, 6000), mimetype="image/png")

    assert_refused_as_json(response, {422})
    assert pictures.files_in(folder) == []


# --- access and form -------------------------------------------------------------------------


def test_an_upload_without_a_token_is_401(client, product, folder):
    response = upload(client, {}, pictures.jpeg())

    assert_refused_as_json(response, {401})
    assert "WWW-Authenticate" in response.headers
    assert pictures.files_in(folder) == []


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_only_admins_may_upload(client, bearer, product, folder, role):
    response = upload(client, bearer(f"{role}@example.com", role=role), pictures.jpeg())

    assert_refused_as_json(response, {403})
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_an_admin_may_upload(client, bearer, product):
    response = upload(client, bearer("boss@example.com", role="admin"), pictures.jpeg())

    assert response.status_code == 201


def test_an_upload_to_an_unknown_product_is_404(client, as_admin, product, folder):
    response = upload(client, as_admin, pictures.jpeg(), slug="no-such-loaf")

    assert_refused_as_json(response, {404})
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_an_upload_without_the_file_field_is_422_naming_it(client, as_admin, product, folder):
    response = client.post(
        images_path(), data={"alt": "Loaf"}, headers=as_admin, content_type="multipart/form-data"
    )

    assert_refused_as_json(response, {422})
    assert "file" in fields_named(response)
    assert image_rows() == []


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "application/x-www-form-urlencoded"]
)
def test_a_file_field_sent_as_text_is_422_naming_it(
    client, as_admin, product, folder, content_type
):
    # A form field called `file` that carries text, not a file part.
    response = client.post(
        images_path(), data={"file": "iVBORw0KGgo="}, headers=as_admin, content_type=content_type
    )

    assert_refused_as_json(response, {422})
    assert "file" in fields_named(response)
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_a_file_under_another_field_name_is_422(client, as_admin, product, folder):
    response = client.post(
        images_path(),
        data={"photo": (io.BytesIO(pictures.jpeg()), "photo.jpg", "image/jpeg")},
        headers=as_admin,
        content_type="multipart/form-data",
    )

    assert_refused_as_json(response, {422})
    assert pictures.files_in(folder) == []


def test_an_unknown_form_field_is_422_naming_it(client, as_admin, product, folder):
    response = upload(client, as_admin, pictures.jpeg(), caption="Fresh today")

    assert_refused_as_json(response, {422})
    assert "caption" in fields_named(response)
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_an_alt_text_over_200_characters_is_422(client, as_admin, product, folder):
    response = upload(client, as_admin, pictures.jpeg(), alt="x" * 201)

    assert_refused_as_json(response, {422})
    assert "alt" in fields_named(response)
    assert pictures.files_in(folder) == []
    assert image_rows() == []


def test_a_failed_commit_leaves_neither_files_nor_row(client, known_admin, folder):
    files_at_commit = []

    def connection_lost(session) -> None:
        files_at_commit.append(len(pictures.files_in(folder)))
        raise OperationalError("COMMIT", None, Exception("server closed the connection"))

    event.listen(Session, "before_commit", connection_lost)
    try:
        response = upload(client, known_admin, pictures.jpeg())
    finally:
        event.remove(Session, "before_commit", connection_lost)

    assert_refused_as_json(response, {503})
    # The three files were on disk when the commit failed, and are gone after it.
    assert files_at_commit == [3]
    assert pictures.files_in(folder) == []
    assert image_rows() == []


@pytest.fixture
def known_admin(client, as_admin, product) -> dict:
    # A token's first request creates its user (and commits): done here so that what follows
    # is about the images only.
    assert client.get("/api/v1/products/sourdough", headers=as_admin).status_code == 200
    return as_admin


# --- order and alt text ----------------------------------------------------------------------


@pytest.fixture
def gallery(client, as_admin, product) -> list[int]:
    """Three photos of the sourdough, in upload order."""
    ids = []
    for color in (pictures.RED, pictures.GREEN, pictures.BLUE):
        response = upload(client, as_admin, pictures.jpeg(color=color))
        assert response.status_code == 201
        ids.append(response.json["id"])
    return ids


def image_path(image_id: int, slug: str = "sourdough") -> str:
    return f"/api/v1/products/{slug}/images/{image_id}"


def test_new_images_go_last(client, gallery):
    assert [image["id"] for image in product_images(client)] == gallery
    assert [(row.id, row.position) for row in image_rows()] == [
        (gallery[0], 0),
        (gallery[1], 1),
        (gallery[2], 2),
    ]


def test_position_0_moves_an_image_first(client, as_admin, gallery):
    first, second, third = gallery

    response = client.patch(image_path(third), json={"position": 0}, headers=as_admin)

    assert response.status_code == 200
    assert set(response.json) == IMAGE_KEYS
    assert response.json["id"] == third
    assert [image["id"] for image in product_images(client)] == [third, first, second]


def test_a_position_past_the_end_moves_an_image_last(client, as_admin, gallery):
    first, second, third = gallery

    response = client.patch(image_path(first), json={"position": 1000}, headers=as_admin)

    assert response.status_code == 200
    assert [image["id"] for image in product_images(client)] == [second, third, first]


def test_the_alt_text_can_be_changed(client, as_admin, gallery):
    response = client.patch(
        image_path(gallery[1]), json={"alt": "Crumb close-up"}, headers=as_admin
    )

    assert response.status_code == 200
    assert response.json["alt"] == "Crumb close-up"
    assert [row.alt for row in image_rows()] == [
        "Sourdough loaf",
        "Crumb close-up",
        "Sourdough loaf",
    ]
    assert product_images(client)[1]["alt"] == "Crumb close-up"


@pytest.mark.parametrize(
    "change",
    [
        {"alt": "x" * 201},
        {"position": -1},
        {"position": 1.5},
        {"position": "0"},
        {"position": True},
        {"caption": "Fresh"},
    ],
    ids=["alt-too-long", "negative", "fraction", "string", "boolean", "unknown-field"],
)
def test_a_bad_change_is_422_and_changes_nothing(client, as_admin, gallery, change):
    response = client.patch(image_path(gallery[2]), json=change, headers=as_admin)

    assert_refused_as_json(response, {422})
    assert [(row.id, row.position, row.alt) for row in image_rows()] == [
        (image_id, position, "Sourdough loaf") for position, image_id in enumerate(gallery)
    ]


def test_another_products_image_is_404(client, as_admin, gallery, make_product, folder):
    make_product(name="Baguette", slug="baguette")
    db.session.commit()

    patched = client.patch(image_path(gallery[0], "baguette"), json={"alt": "x"}, headers=as_admin)
    deleted = client.delete(image_path(gallery[0], "baguette"), headers=as_admin)

    assert_refused_as_json(patched, {404})
    assert_refused_as_json(deleted, {404})
    assert len(image_rows()) == 3
    assert len(pictures.files_in(folder)) == 9


def test_an_unknown_image_is_404(client, as_admin, gallery):
    response = client.patch(image_path(max(gallery) + 100), json={"alt": "x"}, headers=as_admin)

    assert_refused_as_json(response, {404})


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_only_admins_may_change_or_delete_an_image(client, bearer, gallery, folder, role):
    headers = bearer(f"{role}@example.com", role=role)

    patched = client.patch(image_path(gallery[0]), json={"position": 2}, headers=headers)
    deleted = client.delete(image_path(gallery[0]), headers=headers)
    anonymous = client.delete(image_path(gallery[0]))

    assert_refused_as_json(patched, {403})
    assert_refused_as_json(deleted, {403})
    assert_refused_as_json(anonymous, {401})
    assert len(image_rows()) == 3
    assert len(pictures.files_in(folder)) == 9


# --- removal ---------------------------------------------------------------------------------


def test_deleting_an_image_removes_its_row_and_its_three_files(client, as_admin, gallery, folder):
    doomed = client.get("/api/v1/products/sourdough").json["images"][1]

    response = client.delete(image_path(doomed["id"]), headers=as_admin)

    assert response.status_code == 204
    assert [row.id for row in image_rows()] == [gallery[0], gallery[2]]
    assert not any(file_of(folder, url).exists() for url in doomed["variants"].values())
    # The other photos keep theirs.
    assert len(pictures.files_in(folder)) == 6
    assert [image["id"] for image in product_images(client)] == [gallery[0], gallery[2]]


def test_deleting_a_product_removes_its_images_files(
    client, as_admin, gallery, make_product, folder
):
    make_product(name="Baguette", slug="baguette")
    db.session.commit()
    kept = upload(client, as_admin, pictures.jpeg(), slug="baguette").json

    response = client.delete("/api/v1/products/sourdough", headers=as_admin)

    assert response.status_code == 204
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(Product).filter_by(slug="sourdough"))
        == 0
    )
    assert [row.id for row in image_rows()] == [kept["id"]]
    assert sorted(pictures.files_in(folder)) == sorted(
        file_of(folder, url) for url in kept["variants"].values()
    )


# --- concurrency -----------------------------------------------------------------------------


def upload_at_once(app, headers, pictures_to_send: list[bytes]) -> list[tuple[int, dict]]:
    """Each picture posted by its own client and thread, all released at the same moment."""
    barrier = threading.Barrier(len(pictures_to_send))
    answers: list = [None] * len(pictures_to_send)

    def uploader(index: int) -> None:
        own_client = app.test_client()
        barrier.wait()
        response = upload(own_client, headers, pictures_to_send[index], mimetype="image/png")
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=uploader, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_concurrent_uploads_to_one_product_are_all_stored(app, client, known_admin, folder):
    sent = [pictures.png(50 + index, 40) for index in range(5)]

    answers = upload_at_once(app, known_admin, sent)

    assert [status for status, _ in answers] == [201] * 5, answers
    rows = image_rows()
    assert sorted(row.id for row in rows) == sorted(body["id"] for _, body in answers)
    assert sorted(row.width for row in rows) == [50, 51, 52, 53, 54]
    assert len(pictures.webp_files_in(folder)) == 15
    assert len(product_images(client)) == 5


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_concurrent_uploads_get_distinct_positions(app, known_admin):
    answers = upload_at_once(app, known_admin, [pictures.png()] * 5)

    assert [status for status, _ in answers] == [201] * 5, answers
    # Each new image goes after the others, even when they arrive together.
    assert sorted(row.position for row in image_rows()) == [0, 1, 2, 3, 4]


@pytest.mark.real_commits
def test_concurrent_uploads_leave_no_file_without_its_row(app, known_admin, folder):
    # SQLite lets one writer through at a time and may answer the others 503: whatever the
    # outcome, the folder must hold exactly the files of the rows that were stored.
    answers = upload_at_once(app, known_admin, [pictures.png(40 + i, 30) for i in range(5)])

    assert {status for status, _ in answers} <= {201, 503}, answers
    rows = image_rows()
    assert len(rows) == sum(status == 201 for status, _ in answers)
    assert {path.name.rsplit("-", 1)[0] for path in pictures.files_in(folder)} == {
        row.file_key for row in rows
    }
    assert len(pictures.files_in(folder)) == 3 * len(rows)


# --- /uploads/ -------------------------------------------------------------------------------


def test_a_stored_variant_is_served_as_webp_with_safe_long_lived_headers(
    client, as_admin, product, folder
):
    body = upload(client, as_admin, pictures.jpeg()).json

    for url in body["variants"].values():
        response = client.get(urlsplit(url).path)

        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'"
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.get_data() == file_of(folder, url).read_bytes()


@pytest.fixture
def bait(folder) -> dict[str, Path]:
    """Files a traversal would reach: beside the upload folder, and odd ones inside it."""
    outside = folder.parent / "secret.webp"
    outside.write_bytes(pictures.webp())
    products = folder / "products"
    products.mkdir(exist_ok=True)
    hidden = products / ".upload-abc123.webp"
    hidden.write_bytes(pictures.webp())
    text = products / "notes.txt"
    text.write_bytes(b"not a picture")
    page = products / "page.html"
    page.write_bytes(pictures.HTML)
    return {"outside": outside, "hidden": hidden, "text": text, "page": page}


TRAVERSALS = [
    "/uploads/../wsgi.py",
    "/uploads/%2e%2e/%2e%2e/etc/passwd",
    "/uploads/products/..%2f..%2fwsgi.py",
    "/uploads/../secret.webp",
    "/uploads/%2e%2e/secret.webp",
    "/uploads/products/..%2f..%2fsecret.webp",
    "/uploads/products/%2e%2e%2f%2e%2e%2fsecret.webp",
    "/uploads/products/x%00.webp",
    "/uploads/products/.upload-abc123.webp",
    "/uploads/products/notes.txt",
    "/uploads/products/page.html",
    "/uploads/products/missing.webp",
    "/uploads/products",
    "/uploads/",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_paths_outside_the_stored_pictures_are_404_json(client, bait, path):
    response = client.get(path)

    assert_refused_as_json(response, {404})


@pytest.mark.parametrize("path", ["/uploads//etc/passwd", "/uploads/%2fetc%2fpasswd", "ABSOLUTE"])
def test_absolute_paths_are_404_json(client, bait, path):
    if path == "ABSOLUTE":
        # The real absolute path of a .webp file outside the folder.
        path = f"/uploads/{bait['outside']}"

    response = client.get(path)

    assert_refused_as_json(response, {404})


@pytest.mark.parametrize("path", ["/uploads//etc/passwd", "ABSOLUTE"])
def test_absolute_paths_never_serve_a_file_outside_the_folder(client, bait, path):
    if path == "ABSOLUTE":
        path = f"/uploads/{bait['outside']}"

    response = client.get(path, follow_redirects=True)

    assert response.status_code == 404
    assert response.get_data() != bait["outside"].read_bytes()
