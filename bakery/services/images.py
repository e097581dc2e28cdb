"""Product images: judged by their content, re-encoded to WebP sizes, stored with random names."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import ALT_MAX, Product, ProductImage
from bakery.services.catalog import product_changed
from bakery.services.errors import InvalidInput, NotFound, UnsupportedMedia
from bakery.services.storage import delete_after_commit, save_with_transaction

# Longest side in pixels; variants are never larger than the original.
VARIANTS = {"thumb": 200, "medium": 600, "large": 1200}
# Decoders Pillow may use: everything else (SVG, TIFF, EPS, PDF...) is refused unread.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
WEBP_QUALITY = 82


@dataclass(frozen=True)
class EncodedImage:
    width: int
    height: int
    variants: dict[str, bytes]


def variant_name(file_key: str, variant: str) -> str:
    return f"products/{file_key}-{variant}.webp"


def encode_variants(data: bytes) -> EncodedImage:
    """Decode, apply EXIF rotation, drop all metadata and write only pixels, in every size."""
    picture = _decode(data)
    try:
        upright = ImageOps.exif_transpose(picture)
    finally:
        picture.close()
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    normalised = upright.convert("RGBA" if has_alpha else "RGB")
    normalised.info.clear()
    variants = {}
    for variant, longest in VARIANTS.items():
        resized = normalised.copy()
        resized.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
        variants[variant] = buffer.getvalue()
    return EncodedImage(width=normalised.width, height=normalised.height, variants=variants)


def _decode(data: bytes) -> Image.Image:
    max_pixels = current_app.config["IMAGE_MAX_PIXELS"]
    try:
        picture = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise UnsupportedMedia("The file is not a JPEG, PNG, WebP or GIF image") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("The image is damaged and cannot be read", field="file") from None
    # The header gives the size before any pixel is decoded: a bomb is refused at no cost.
    if picture.width * picture.height > max_pixels:
        picture.close()
        raise InvalidInput(
            f"The image has too many pixels (at most {max_pixels:,} are accepted)", field="file"
        )
    try:
        picture.seek(0)
        picture.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        picture.close()
        raise InvalidInput("The image is damaged and cannot be read", field="file") from None
    return picture


def _alt_text(alt: str | None, product: Product) -> str:
    text = (alt if alt is not None else product.name).strip()
    if len(text) > ALT_MAX:
        raise InvalidInput(f"The alt text must have at most {ALT_MAX} characters", field="alt")
    return text or product.name


def _lock_gallery(product: Product) -> None:
    """Uploads and moves on one product's gallery take turns, so positions never collide."""
    db.session.execute(select(Product.id).where(Product.id == product.id).with_for_update())


def add_product_image(product: Product, data: bytes, *, alt: str | None = None) -> ProductImage:
    """Store an uploaded picture in every size and attach it after the product's others."""
    alt_text = _alt_text(alt, product)
    encoded = encode_variants(data)
    file_key = secrets.token_hex(16)
    for variant, content in encoded.variants.items():
        save_with_transaction(db.session, variant_name(file_key, variant), content)
    _lock_gallery(product)
    last_position = db.session.scalar(
        select(func.max(ProductImage.position)).where(ProductImage.product_id == product.id)
    )
    image = ProductImage(
        product=product,
        file_key=file_key,
        width=encoded.width,
        height=encoded.height,
        alt=alt_text,
        position=0 if last_position is None else last_position + 1,
    )
    db.session.add(image)
    product_changed(product)
    return image


def get_product_image(product: Product, image_id: int) -> ProductImage:
    image = db.session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        raise NotFound(f"No image {image_id} for product {product.slug!r}")
    return image


def update_product_image(
    image: ProductImage, *, alt: str | None = None, position: int | None = None
) -> ProductImage:
    """Change the alt text, or move the image to `position` (0 is first) among its product's."""
    if alt is not None:
        image.alt = _alt_text(alt, image.product)
    if position is not None:
        _lock_gallery(image.product)
        siblings = [other for other in image.product.images if other.id != image.id]
        position = max(0, min(position, len(siblings)))
        siblings.insert(position, image)
        for index, sibling in enumerate(siblings):
            sibling.position = index
    product_changed(image.product)
    return image


def delete_product_image(image: ProductImage) -> None:
    forget_files(image)
    product = image.product
    db.session.delete(image)
    product_changed(product)


def forget_files(image: ProductImage) -> None:
    """Schedule an image's files for removal once its row is deleted for good."""
    for variant in VARIANTS:
        delete_after_commit(db.session, variant_name(image.file_key, variant))
