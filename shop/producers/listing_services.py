"""A producer's listings: products, their variants and photos.

Each public function is one use case in one transaction (`shop.transaction.use_case`): it
commits when done and writes nothing when refused. A refusal is a shop.errors.Refused whose message
is already translated and names the form field it belongs to. The check_* functions are the
one definition of each rule; the forms call them too, so a person sees every problem at once
and the CLI or API gets the same answers.

Every change a producer makes to a product is in the audit log (who, what, before and after),
with the product as its subject. The certified facts (name, product set, claims) go through
`shop.catalog.revisions`: once a certificate was approved, a change to them waits for staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop import audit, media
from shop.accounts.models import User
from shop.catalog import revisions
from shop.catalog.models import Product, ProductImage, ProductSet, Variant
from shop.catalog.revisions import CertifiedFacts
from shop.conditional import change
from shop.enums import ProductStatus
from shop.errors import Refused
from shop.extensions import db
from shop.formatting import format_vnd
from shop.producers.models import Producer
from shop.search.hooks import mark_products
from shop.slugs import unique_slug
from shop.transaction import use_case

NAME_LENGTH = (2, 200)
DESCRIPTION_MAX = 5000
NET_CONTENT_MAX = 120
INGREDIENTS_MAX = 2000
SHELF_LIFE_MAX = 120
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


@dataclass(frozen=True)
class ProductDetails:
    """What a producer says about a product: the certified facts and the description."""

    name: str
    product_set_code: int | None
    description: str = ""
    net_content: str = ""
    ingredients: str = ""
    shelf_life: str = ""


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
        raise Refused(_l("This field is required."), "name")
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise Refused(
            _l("The name needs %(low)s to %(high)s characters.", low=low, high=high), "name"
        )
    return name


def check_description(description: str | None) -> str:
    description = (description or "").replace("\r\n", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Refused(_l("At most %(n)s characters.", n=DESCRIPTION_MAX), "description")
    return description


def _check_text(text: str | None, most: int, field: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > most:
        raise Refused(_l("At most %(n)s characters.", n=most), field)
    return text


def check_net_content(text: str | None) -> str:
    return _check_text(text, NET_CONTENT_MAX, "net_content")


def check_ingredients(text: str | None) -> str:
    return _check_text(text, INGREDIENTS_MAX, "ingredients")


def check_shelf_life(text: str | None) -> str:
    return _check_text(text, SHELF_LIFE_MAX, "shelf_life")


def check_facts(details: ProductDetails) -> CertifiedFacts:
    """The certified facts a producer typed, checked (Refused on the first problem)."""
    return CertifiedFacts(
        name=check_name(details.name),
        product_set_code=check_product_set(details.product_set_code).code,
        net_content=check_net_content(details.net_content),
        ingredients=check_ingredients(details.ingredients),
        shelf_life=check_shelf_life(details.shelf_life),
    )


def check_product_set(code: int | None) -> ProductSet:
    product_set = db.session.get(ProductSet, code) if isinstance(code, int) else None
    if product_set is None:
        raise Refused(_l("Choose a product set from the list."), "product_set_code")
    return product_set


def check_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise Refused(_l("This field is required."), "label")
    if len(label) > LABEL_MAX:
        raise Refused(_l("At most %(n)s characters.", n=LABEL_MAX), "label")
    return label


def check_sku(sku: str) -> str:
    """The stored form of a SKU (upper case), or Refused."""
    sku = (sku or "").strip()
    if not sku:
        raise Refused(_l("This field is required."), "sku")
    if len(sku) > SKU_MAX or not _SKU.match(sku):
        raise Refused(
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
        raise Refused(
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
        raise Refused(
            _l("The stock must be a whole number from %(low)s to %(high)s.", low=low, high=high),
            "stock",
        )
    return stock


def check_weight(grams: int | None) -> int:
    low, high = WEIGHT_RANGE
    if grams is None or not low <= grams <= high:
        raise Refused(
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
        raise Refused(_l("At most %(n)s characters.", n=ALT_TEXT_MAX), "alt_text")
    return text


def _record(action: str, product: Product, actor: User, before=None, after=None) -> None:
    audit.record(action, product, actor=actor, before=before, after=after, summary=product.name)


@use_case
def create_product(producer: Producer, details: ProductDetails, actor: User) -> Product:
    """A new draft product; its slug is made from the name once and never changes."""
    facts = check_facts(details)
    product = Product(
        producer=producer,
        slug=unique_slug(Product.slug, facts.name),
        description=check_description(details.description),
        status=ProductStatus.DRAFT,
    )
    facts.apply_to(product)
    db.session.add(product)
    db.session.flush()
    _record("product.created", product, actor, after=facts.as_dict())
    return product


@use_case
def update_product(product: Product, details: ProductDetails, actor: User) -> str:
    """Save the product's details; the slug (the public URL) stays as it was.

    The description changes at once. The certified facts change at once until the product's
    first certificate is approved; after that they become a revision for staff (see
    shop.catalog.revisions) and the shop keeps the approved ones. Returns the revisions
    Outcome for the certified facts.
    """
    facts = check_facts(details)
    description = check_description(details.description)
    revisions.lock_product(product)
    before, after = {}, {}
    if product.description != description:
        before["description"], after["description"] = product.description, description
        product.description = description
    outcome, facts_before, facts_after = revisions.change_facts(product, facts, actor)
    before.update(facts_before)
    after.update(facts_after)
    if after:
        _record("product.updated", product, actor, before, after)
    db.session.flush()
    return outcome


STATUS_MOVES = {
    "publish": (ProductStatus.DRAFT, ProductStatus.ACTIVE, _l("Only a draft can be published.")),
    "hide": (
        ProductStatus.ACTIVE,
        ProductStatus.HIDDEN,
        _l("Only a published product can be hidden."),
    ),
    "show": (
        ProductStatus.HIDDEN,
        ProductStatus.ACTIVE,
        _l("Only a hidden product can be shown again."),
    ),
}


@use_case
def change_status(product: Product, move: str, actor: User) -> None:
    """publish: draft → active (on sale once its certificate is approved, not before);
    hide: active → hidden (off the shop at once, kept for later); show: hidden → active."""
    source, target, wrong_state = STATUS_MOVES[move]
    if product.status != source:
        raise Refused(wrong_state)
    if target == ProductStatus.ACTIVE:
        _require_variants(product)
    if not change(product, Product.status == source, status=target):
        raise Refused(wrong_state)  # another tab or device moved it first
    mark_products(product.id)  # the UPDATE bypassed the session's change tracking
    _record(f"product.{move}", product, actor, {"status": source.value}, {"status": target.value})


def _require_variants(product: Product) -> None:
    if not product.variants:
        raise Refused(_l("Add at least one variant (pack, price and stock) before publishing."))


def _variant_facts(variant: Variant) -> dict:
    return {
        "sku": variant.sku,
        "label": variant.label,
        "price": variant.price,
        "stock": variant.stock,
        "weight_grams": variant.weight_grams,
    }


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


def _sku_taken(sku: str) -> Refused:
    return Refused(
        _l("The SKU %(sku)s is already used in the shop. Choose another one.", sku=sku), "sku"
    )


def _flush_variant(sku: str) -> None:
    """Flush, turning a SKU taken by a concurrent request into the same refusal."""
    try:
        db.session.flush()
    except IntegrityError:
        raise _sku_taken(sku) from None


@use_case
def add_variant(product: Product, details: VariantDetails, actor: User) -> Variant:
    """A new variant at the end of the product's list."""
    values = _checked_variant(details)
    check_sku_free(values["sku"])
    position = max((v.position for v in product.variants), default=-1) + 1
    variant = Variant(product=product, position=position, **values)
    db.session.add(variant)
    _flush_variant(values["sku"])
    _record("product.variant_added", product, actor, after=_variant_facts(variant))
    return variant


@use_case
def update_variant(variant: Variant, details: VariantDetails, actor: User) -> None:
    """Change a variant's pack, SKU, price, stock or weight."""
    values = _checked_variant(details)
    check_sku_free(values["sku"], variant.id)
    old = _variant_facts(variant)
    for name, value in values.items():
        setattr(variant, name, value)
    _flush_variant(values["sku"])
    changed = [k for k, v in _variant_facts(variant).items() if old[k] != v]
    if changed:
        _record(
            "product.variant_updated",
            variant.product,
            actor,
            {"sku": old["sku"], **{k: old[k] for k in changed}},
            {"sku": variant.sku, **{k: values[k] for k in changed}},
        )


@use_case
def delete_variant(variant: Variant, actor: User) -> None:
    """Remove a variant; a published product keeps at least one."""
    product = variant.product
    if product.status == ProductStatus.ACTIVE and len(product.variants) <= 1:
        raise Refused(
            _l(
                "A published product needs at least one variant. "
                "Add another variant first, or hide the product."
            )
        )
    _record("product.variant_deleted", product, actor, before=_variant_facts(variant))
    product.variants.remove(variant)
    db.session.delete(variant)
    db.session.flush()


@use_case
def add_image(product: Product, data: bytes, alt_text: str, actor: User) -> ProductImage:
    """Check, clean and store an uploaded photo and add it after the product's others.

    An empty alt text means "the product's name" (templates fall back to it), so it follows
    a rename. The files are content-addressed: storing them before the commit is harmless.
    """
    if len(product.images) >= MAX_IMAGES:
        raise Refused(
            _l("A product can have at most %(n)s photos. Delete one first.", n=MAX_IMAGES),
            "photo",
        )
    if not data:
        raise Refused(_l("Choose a photo to upload."), "photo")
    alt_text = check_alt_text(alt_text)
    stored = media.store_image(data)  # or media.ImageRejected, a refusal of the photo field
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
    _record("product.photo_added", product, actor, after=_photo_facts(image))
    return image


def _photo_facts(image: ProductImage) -> dict:
    return {"photo": image.key, "alt_text": image.alt_text}


@use_case
def update_image(image: ProductImage, alt_text: str, actor: User) -> None:
    """Change a photo's description (its alt text)."""
    old = image.alt_text
    image.alt_text = check_alt_text(alt_text)
    if image.alt_text != old:
        _record(
            "product.photo_updated",
            image.product,
            actor,
            {"photo": image.key, "alt_text": old},
            _photo_facts(image),
        )


@use_case
def move_image(image: ProductImage, step: int, actor: User) -> None:
    """Swap a photo with its neighbour (step -1: earlier, +1: later); the first is the cover."""
    images = list(image.product.images)
    index = images.index(image)
    other = index + step
    if not 0 <= other < len(images):
        return
    order = [each.key for each in images]
    images[index], images[other] = images[other], images[index]
    for position, each in enumerate(images):
        each.position = position
    db.session.flush()
    _record(
        "product.photos_reordered",
        image.product,
        actor,
        {"photos": order},
        {"photos": [each.key for each in images]},
    )


@use_case
def delete_image(image: ProductImage, actor: User) -> None:
    """Remove a photo from the product (its files may be shared, so they stay)."""
    product = image.product
    _record("product.photo_deleted", product, actor, before=_photo_facts(image))
    product.images.remove(image)
    db.session.delete(image)
    db.session.flush()
