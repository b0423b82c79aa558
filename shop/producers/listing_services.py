"""A producer's listings: products, their variants and photos.

Functions take plain arguments, change the session and never commit (the view does). A refusal
is a ListingError whose message is already translated and names the form field it belongs to.
The check_* functions are the one definition of each rule; the forms call them too, so a person
sees every problem at once and the CLI or API gets the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop import media
from shop.catalog.models import Product, ProductImage, ProductSet, Variant
from shop.enums import ProductStatus
from shop.extensions import db
from shop.formatting import format_vnd
from shop.producers.models import Producer
from shop.slugs import unique_slug

NAME_LENGTH = (2, 200)
DESCRIPTION_MAX = 5000
LABEL_MAX = 80
SKU_MAX = 64
PRICE_RANGE = (1, 1_000_000_000)  # whole VND
STOCK_RANGE = (0, 1_000_000)
WEIGHT_RANGE = (1, 100_000)  # grams
ALT_TEXT_MAX = 200
MAX_IMAGES = 8

_SKU = re.compile(r"^[A-Za-z0-9_-]+$")
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+$")
_GROUPED_NUMBER = re.compile(r"^-?[0-9]{1,3}([.,])[0-9]{3}(?:\1[0-9]{3})*$")
_CURRENCY_SUFFIX = re.compile(r"(₫|đồng|đ|vnđ|vnd)$", re.IGNORECASE)

IMAGE_MESSAGES = {
    "too_large": _l("The photo may be at most 10 MB."),
    "format": _l("The photo must be a JPEG, PNG or WebP image."),
    "not_an_image": _l(
        "This file is not an image we can read, or it is damaged. Send a JPEG, PNG or WebP photo."
    ),
    "too_many_pixels": _l(
        "This photo has too many pixels (at most 40 megapixels). Send a smaller one."
    ),
}

STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.ACTIVE: _l("Published"),
    ProductStatus.HIDDEN: _l("Hidden"),
}


class ListingError(Exception):
    """A refused listing action; `message` is for the person, `field` marks the input."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ProductDetails:
    """What a producer says about a product."""

    name: str
    product_set_code: int | None
    description: str = ""


@dataclass(frozen=True)
class VariantDetails:
    """One purchasable form of a product: "Hộp 500g" at 150.000 ₫."""

    label: str
    sku: str
    price: int | None
    stock: int | None
    weight_grams: int | None


def parse_whole_number(text: str | None) -> int:
    """A whole number as Vietnamese users type it: 150000, 150.000, 150,000, 150 000 đ.

    Raises ValueError for anything else (decimals, letters, mixed separators).
    """
    compact = _CURRENCY_SUFFIX.sub("", re.sub(r"\s+", "", text or ""))
    if len(compact) > 20:
        raise ValueError(text)
    if _PLAIN_NUMBER.match(compact):
        return int(compact)
    if _GROUPED_NUMBER.match(compact):
        return int(re.sub(r"[.,]", "", compact))
    raise ValueError(text)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ListingError(_l("This field is required."), "name")
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise ListingError(
            _l("The name needs %(low)s to %(high)s characters.", low=low, high=high), "name"
        )
    return name


def check_description(description: str | None) -> str:
    description = (description or "").replace("\r\n", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ListingError(_l("At most %(n)s characters.", n=DESCRIPTION_MAX), "description")
    return description


def check_product_set(code: int | None) -> ProductSet:
    product_set = db.session.get(ProductSet, code) if isinstance(code, int) else None
    if product_set is None:
        raise ListingError(_l("Choose a product set from the list."), "product_set_code")
    return product_set


def check_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise ListingError(_l("This field is required."), "label")
    if len(label) > LABEL_MAX:
        raise ListingError(_l("At most %(n)s characters.", n=LABEL_MAX), "label")
    return label


def check_sku(sku: str) -> str:
    """The stored form of a SKU (upper case), or ListingError."""
    sku = (sku or "").strip()
    if not sku:
        raise ListingError(_l("This field is required."), "sku")
    if len(sku) > SKU_MAX or not _SKU.match(sku):
        raise ListingError(
            _l(
                "Use at most %(n)s letters A–Z, digits, hyphens (-) and underscores (_).",
                n=SKU_MAX,
            ),
            "sku",
        )
    return sku.upper()


def check_price(price: int | None) -> int:
    low, high = PRICE_RANGE
    if price is None or not low <= price <= high:
        raise ListingError(
            _l(
                "The price must be between %(low)s and %(high)s.",
                low=format_vnd(low),
                high=format_vnd(high),
            ),
            "price",
        )
    return price


def check_stock(stock: int | None) -> int:
    low, high = STOCK_RANGE
    if stock is None or not low <= stock <= high:
        raise ListingError(
            _l("The stock must be a whole number from %(low)s to %(high)s.", low=low, high=high),
            "stock",
        )
    return stock


def check_weight(grams: int | None) -> int:
    low, high = WEIGHT_RANGE
    if grams is None or not low <= grams <= high:
        raise ListingError(
            _l(
                "The weight must be from %(low)s to %(high)s grams (packed, for shipping).",
                low=low,
                high=high,
            ),
            "weight_grams",
        )
    return grams


def check_alt_text(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > ALT_TEXT_MAX:
        raise ListingError(_l("At most %(n)s characters.", n=ALT_TEXT_MAX), "alt_text")
    return text


def create_product(producer: Producer, details: ProductDetails) -> Product:
    """A new draft product; its slug is made from the name once and never changes."""
    name = check_name(details.name)
    product = Product(
        producer=producer,
        name=name,
        slug=unique_slug(Product.slug, name),
        product_set=check_product_set(details.product_set_code),
        description=check_description(details.description),
        status=ProductStatus.DRAFT,
    )
    db.session.add(product)
    db.session.flush()
    return product


def update_product(product: Product, details: ProductDetails) -> None:
    """Change the name, set and description; the slug (the public URL) stays as it was."""
    product.name = check_name(details.name)
    product.product_set = check_product_set(details.product_set_code)
    product.description = check_description(details.description)
    db.session.flush()


def publish(product: Product) -> None:
    """Draft → active. It goes on sale once its certificate is approved, not before."""
    if product.status != ProductStatus.DRAFT:
        raise ListingError(_l("Only a draft can be published."))
    _require_variants(product)
    product.status = ProductStatus.ACTIVE


def hide(product: Product) -> None:
    """Active → hidden: off the shop at once, kept for later."""
    if product.status != ProductStatus.ACTIVE:
        raise ListingError(_l("Only a published product can be hidden."))
    product.status = ProductStatus.HIDDEN


def show(product: Product) -> None:
    """Hidden → active again."""
    if product.status != ProductStatus.HIDDEN:
        raise ListingError(_l("Only a hidden product can be shown again."))
    _require_variants(product)
    product.status = ProductStatus.ACTIVE


def _require_variants(product: Product) -> None:
    if not product.variants:
        raise ListingError(
            _l("Add at least one variant (pack, price and stock) before publishing.")
        )


def _checked_variant(details: VariantDetails) -> dict:
    return {
        "label": check_label(details.label),
        "sku": check_sku(details.sku),
        "price": check_price(details.price),
        "stock": check_stock(details.stock),
        "weight_grams": check_weight(details.weight_grams),
    }


def check_sku_free(sku: str, variant_id: int | None = None) -> None:
    """Refuse a (stored-form) SKU that another variant in the shop already has."""
    query = sa.select(Variant.id).where(Variant.sku == sku)
    if variant_id is not None:
        query = query.where(Variant.id != variant_id)
    if db.session.scalar(query) is not None:
        raise _sku_taken(sku)


def _sku_taken(sku: str) -> ListingError:
    return ListingError(
        _l("The SKU %(sku)s is already used in the shop. Choose another one.", sku=sku), "sku"
    )


def _flush_variant(sku: str) -> None:
    """Flush, turning a SKU taken by a concurrent request into the same refusal."""
    try:
        db.session.flush()
    except IntegrityError:
        raise _sku_taken(sku) from None


def add_variant(product: Product, details: VariantDetails) -> Variant:
    """A new variant at the end of the product's list."""
    values = _checked_variant(details)
    check_sku_free(values["sku"])
    position = max((v.position for v in product.variants), default=-1) + 1
    variant = Variant(product=product, position=position, **values)
    db.session.add(variant)
    _flush_variant(values["sku"])
    return variant


def update_variant(variant: Variant, details: VariantDetails) -> None:
    values = _checked_variant(details)
    check_sku_free(values["sku"], variant.id)
    for name, value in values.items():
        setattr(variant, name, value)
    _flush_variant(values["sku"])


def delete_variant(variant: Variant) -> None:
    """Remove a variant; a published product keeps at least one."""
    product = variant.product
    if product.status == ProductStatus.ACTIVE and len(product.variants) <= 1:
        raise ListingError(
            _l(
                "A published product needs at least one variant. "
                "Add another variant first, or hide the product."
            )
        )
    product.variants.remove(variant)
    db.session.delete(variant)
    db.session.flush()


def add_image(product: Product, data: bytes, alt_text: str = "") -> ProductImage:
    """Check, clean and store an uploaded photo and add it after the product's others.

    An empty alt text means "the product's name" (templates fall back to it), so it follows
    a rename. The files are content-addressed: storing them before the commit is harmless.
    """
    if len(product.images) >= MAX_IMAGES:
        raise ListingError(
            _l("A product can have at most %(n)s photos. Delete one first.", n=MAX_IMAGES),
            "photo",
        )
    if not data:
        raise ListingError(_l("Choose a photo to upload."), "photo")
    alt_text = check_alt_text(alt_text)
    try:
        stored = media.store_image(data)
    except media.ImageRejected as rejected:
        raise ListingError(IMAGE_MESSAGES[rejected.code], "photo") from None
    position = max((i.position for i in product.images), default=-1) + 1
    image = ProductImage(
        product=product,
        key=stored.key,
        width=stored.width,
        height=stored.height,
        alt_text=alt_text,
        position=position,
    )
    db.session.add(image)
    db.session.flush()
    return image


def update_image(image: ProductImage, alt_text: str) -> None:
    image.alt_text = check_alt_text(alt_text)


def move_image(image: ProductImage, step: int) -> None:
    """Swap a photo with its neighbour (step -1: earlier, +1: later); the first is the cover."""
    images = list(image.product.images)
    index = images.index(image)
    other = index + step
    if not 0 <= other < len(images):
        return
    images[index], images[other] = images[other], images[index]
    for position, each in enumerate(images):
        each.position = position
    db.session.flush()


def delete_image(image: ProductImage) -> None:
    """Remove a photo from the product (its files may be shared, so they stay)."""
    image.product.images.remove(image)
    db.session.delete(image)
    db.session.flush()
