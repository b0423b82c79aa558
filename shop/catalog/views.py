"""Storefront pages: the home page and the product page (listable products only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.catalog import services
from shop.catalog.models import Product
from shop.certification.qr import verification_qr
from shop.extensions import db

bp = Blueprint("catalog", __name__)

UNLISTED_REASONS = {
    "producer_suspended": _l("Your producer account is suspended."),
    "product_draft": _l("The product is still a draft."),
    "product_hidden": _l("You have hidden the product."),
    "no_certificate": _l("It has no OCOP certificate yet: submit one for review."),
    "certificate_pending": _l("Its OCOP certificate is waiting for staff review."),
    "certificate_changes_requested": _l(
        "Staff asked for changes to its OCOP certificate: correct it and send it again."
    ),
    "certificate_rejected": _l("Its OCOP certificate was rejected."),
    "certificate_revoked": _l("Its OCOP certificate was revoked."),
    "certificate_expired": _l("Its OCOP certificate has expired: submit the renewed one."),
}


@bp.get("/")
def home():
    """The newest listable products, with their stars and producer."""
    query = (
        services.listable_products()
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(24)
    )
    rows = db.session.execute(services.with_card_data(query)).unique().all()
    return render_template("catalog/home.html", rows=rows)


@bp.get("/p/<slug>")
def product(slug: str):
    """A product page; the public sees only listable products, the owner sees why not."""
    found = services.get_listable_by_slug(slug)
    if found:
        product, certificate = found
        return render_template(
            "catalog/product.html",
            product=product,
            certificate=certificate,
            reason=None,
            verify_qr=verification_qr(certificate.number),
        )
    product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
    if product is None or not _owns(product):
        abort(404)
    reason = services.unlisted_reason(product)
    return render_template(
        "catalog/product.html",
        product=product,
        certificate=None,
        reason=reason,
        reason_text=UNLISTED_REASONS.get(reason, ""),
    )


def _owns(product: Product) -> bool:
    return (
        current_user.is_authenticated
        and current_user.producer is not None
        and current_user.producer.id == product.producer_id
    )
