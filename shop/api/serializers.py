"""Plain-dict shapes of the API's objects; openapi.py describes each one.

Serializers read only what the queries loaded (columns, the producer, variants, images and
the product sets passed in), so a list never triggers a query per item.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from shop import geo, media
from shop.catalog.models import Product, ProductImage, ProductSet, Variant
from shop.catalog.rules import LOW_STOCK, price_from, price_to
from shop.certification.models import Certificate
from shop.producers.models import Producer

CURRENCY = "VND"


def province(code: int) -> dict[str, Any]:
    return {"code": code, "name": geo.province_name(code)}


def product_set(ps: ProductSet) -> dict[str, Any]:
    return {
        "code": ps.code,
        "group_code": ps.group_code,
        "group_vi": ps.group_vi,
        "group_en": ps.group_en,
        "name_vi": ps.name_vi,
        "name_en": ps.name_en,
        "shippable": ps.shippable,
    }


def producer_ref(p: Producer) -> dict[str, Any]:
    """The producer as a product shows it."""
    return {
        "slug": p.slug,
        "name": p.name,
        "province": province(p.province_code),
        "url": url_for("catalog.producer", slug=p.slug, _external=True),
    }


def producer(p: Producer, listed: int) -> dict[str, Any]:
    """A producer with the number of its listed products."""
    return {
        **producer_ref(p),
        "legal_form": p.legal_form.value,
        "description": p.description,
        "listed_products": listed,
        "products_url": url_for("api.products", producer=p.slug, _external=True),
    }


def certificate(c: Certificate) -> dict[str, Any]:
    return {
        "number": c.number,
        "stars": c.stars,
        "issuing_body": c.issuing_body,
        "issuing_level": c.issuing_level.value,
        "decision_number": c.decision_number,
        "decision_date": c.decision_date.isoformat(),
        "expires_on": c.expires_on.isoformat(),
        "verify_url": url_for("certification.verify", number=c.number, _external=True),
    }


def image_url(img: ProductImage, width: int) -> str:
    return url_for("media", key=img.key, width=width, _external=True)


def image(img: ProductImage) -> dict[str, Any]:
    """A photo's size and the URLs of its WebP renditions, by width."""
    return {
        "alt_text": img.alt_text,
        "width": img.width,
        "height": img.height,
        "renditions": {str(width): image_url(img, width) for width in media.WIDTHS},
    }


def variant(v: Variant) -> dict[str, Any]:
    return {
        "sku": v.sku,
        "label": v.label,
        "price": v.price,
        "stock": v.stock,
        "in_stock": v.stock > 0,
    }


def stock_state(p: Product) -> str:
    total = sum(v.stock for v in p.variants)
    if total <= 0:
        return "sold_out"
    return "low" if total <= LOW_STOCK else "in_stock"


def product_summary(p: Product, c: Certificate, sets: dict[int, ProductSet]) -> dict[str, Any]:
    """A product as lists show it (`sets` from services.product_sets())."""
    state = stock_state(p)
    return {
        "id": p.id,
        "slug": p.slug,
        "name": p.name,
        "url": url_for("catalog.product", slug=p.slug, _external=True),
        "stars": c.stars,
        "product_set": product_set(sets[p.product_set_code]),
        "producer": producer_ref(p.producer),
        "price_min": price_from(p),
        "price_max": price_to(p),
        "currency": CURRENCY,
        "in_stock": state != "sold_out",
        "stock_state": state,
        "certificate": certificate(c),
        "image": image_url(p.images[0], media.WIDTHS[0]) if p.images else None,
    }


def product(p: Product, c: Certificate) -> dict[str, Any]:
    """A product with its variants, images and description (product_set loaded with it)."""
    return {
        **product_summary(p, c, {p.product_set_code: p.product_set}),
        "description": p.description,
        "claims": {
            "net_content": p.net_content,
            "ingredients": p.ingredients,
            "shelf_life": p.shelf_life,
        },
        "variants": [variant(v) for v in p.variants],
        "images": [image(i) for i in p.images],
    }
