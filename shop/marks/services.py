"""Collective trademarks, certification marks and geographical indications.

Staff record a mark with its registration number and holder, and allow producers to use it;
a producer marks its own products with a mark it is allowed to use (one mark a product), and
loses those markings when staff withdraw the permission, in the same transaction. The
storefront shows the mark on the product page and the catalogue filters by it (`?mark=`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop import audit
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.errors import Refused
from shop.extensions import db
from shop.labels import MARK_KIND_LABELS as KIND_LABELS  # noqa: F401  (views read it here)
from shop.marks.models import (
    KINDS,
    MAX_DESCRIPTION,
    MAX_HOLDER,
    MAX_NAME,
    MAX_NUMBER,
    CollectiveMark,
    MarkUser,
    ProductMark,
)
from shop.producers.models import Producer
from shop.slugs import unique_slug
from shop.transaction import use_case


@dataclass(frozen=True)
class MarkDetails:
    name: str
    kind: str
    registration_number: str
    holder: str
    description: str = ""


def _squeeze(text: str | None) -> str:
    return " ".join((text or "").split())


@use_case
def record(details: MarkDetails, staff: User) -> CollectiveMark:
    """Staff record a mark; its registration number is unique (case and spaces aside)."""
    name, number = _squeeze(details.name), _squeeze(details.registration_number)
    holder, description = _squeeze(details.holder), (details.description or "").strip()
    if not 2 <= len(name) <= MAX_NAME:
        raise Refused(_l("Between 2 and %(n)s characters.", n=MAX_NAME), "name")
    if details.kind not in KINDS:
        raise Refused(_l("Choose the kind of mark."), "kind")
    if not 1 <= len(number) <= MAX_NUMBER:
        raise Refused(_l("Between 1 and %(n)s characters.", n=MAX_NUMBER), "registration_number")
    if not 2 <= len(holder) <= MAX_HOLDER:
        raise Refused(_l("Between 2 and %(n)s characters.", n=MAX_HOLDER), "holder")
    if len(description) > MAX_DESCRIPTION:
        raise Refused(_l("At most %(n)s characters.", n=MAX_DESCRIPTION), "description")
    taken = _l("A mark with this registration number is already recorded.")
    if db.session.scalar(
        sa.select(CollectiveMark.id).where(
            sa.func.lower(CollectiveMark.registration_number) == number.lower()
        )
    ):
        raise Refused(taken, "registration_number")
    mark = CollectiveMark(
        name=name,
        slug=unique_slug(CollectiveMark.slug, name),
        kind=details.kind,
        registration_number=number,
        holder=holder,
        description=description,
    )
    try:
        with db.session.begin_nested():
            db.session.add(mark)
    except IntegrityError:
        raise Refused(taken, "registration_number") from None
    audit.record(
        "mark.recorded",
        mark,
        actor=staff,
        after={"number": number, "kind": details.kind, "holder": holder},
        summary=f"{name} · {number}",
    )
    return mark


def is_allowed(mark_id: int, producer_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(MarkUser.id).where(
                MarkUser.mark_id == mark_id, MarkUser.producer_id == producer_id
            )
        )
        is not None
    )


@use_case
def allow(mark: CollectiveMark, producer: Producer, staff: User) -> None:
    """Staff record that the mark's holder allows the producer to use it."""
    already = _l("This producer may already use the mark.")
    try:
        with db.session.begin_nested():
            db.session.add(MarkUser(mark_id=mark.id, producer_id=producer.id))
    except IntegrityError:
        raise Refused(already, "producer_id") from None
    audit.record(
        "mark.producer_allowed",
        mark,
        actor=staff,
        after={"label": producer.name},
        summary=f"{mark.name} · {producer.name}",
    )


@use_case
def withdraw(mark: CollectiveMark, producer: Producer, staff: User, reason: str) -> int:
    """Staff withdraw the permission; the producer's products stop carrying the mark.
    Returns how many products lost it."""
    gone = db.session.execute(
        sa.delete(MarkUser).where(MarkUser.mark_id == mark.id, MarkUser.producer_id == producer.id)
    ).rowcount
    if gone != 1:
        raise Refused(_l("This producer may not use the mark any more."))
    own_products = sa.select(Product.id).where(Product.producer_id == producer.id)
    unmarked = db.session.execute(
        sa.delete(ProductMark).where(
            ProductMark.mark_id == mark.id, ProductMark.product_id.in_(own_products)
        )
    ).rowcount
    audit.record(
        "mark.producer_withdrawn",
        mark,
        actor=staff,
        before={"label": producer.name},
        after={"products_unmarked": unmarked},
        reason=(reason or "").strip()[:MAX_DESCRIPTION] or None,
        summary=f"{mark.name} · {producer.name}",
    )
    return unmarked


@use_case
def set_product_mark(product: Product, mark: CollectiveMark | None, owner: User) -> None:
    """The producer says which mark its product carries (None: no mark); only a mark the
    producer may use."""
    if owner.producer is None or product.producer_id != owner.producer.id:
        raise Refused(_l("You can mark only your own products."))
    if mark is not None and not is_allowed(mark.id, product.producer_id):
        raise Refused(_l("Your business is not allowed to use this mark."), "mark_id")
    current = db.session.scalar(sa.select(ProductMark).where(ProductMark.product_id == product.id))
    if (current.mark_id if current else None) == (mark.id if mark else None):
        return
    if current is not None:
        db.session.execute(sa.delete(ProductMark).where(ProductMark.id == current.id))
    if mark is not None:
        try:
            with db.session.begin_nested():
                db.session.add(ProductMark(product_id=product.id, mark_id=mark.id))
        except IntegrityError:
            raise Refused(_l("The product changed meanwhile: reload the page.")) from None
    audit.record(
        "mark.product_marked" if mark is not None else "mark.product_unmarked",
        product,
        actor=owner,
        after={"label": mark.name if mark is not None else current.mark.name},
        summary=product.name,
    )


def mark_of(product_id: int) -> CollectiveMark | None:
    """The mark the product carries, if any."""
    return db.session.scalar(
        sa.select(CollectiveMark)
        .join(ProductMark, ProductMark.mark_id == CollectiveMark.id)
        .where(ProductMark.product_id == product_id)
    )


def by_slug(slug: str) -> CollectiveMark | None:
    return db.session.scalar(sa.select(CollectiveMark).where(CollectiveMark.slug == slug))


def all_marks() -> list[CollectiveMark]:
    return list(db.session.scalars(sa.select(CollectiveMark).order_by(CollectiveMark.name)))


def allowed_marks(producer_id: int) -> list[CollectiveMark]:
    return list(
        db.session.scalars(
            sa.select(CollectiveMark)
            .join(MarkUser, MarkUser.mark_id == CollectiveMark.id)
            .where(MarkUser.producer_id == producer_id)
            .order_by(CollectiveMark.name)
        )
    )


def product_marks(product_ids: list[int]) -> dict[int, int]:
    """mark id by product id, for the given products."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        sa.select(ProductMark.product_id, ProductMark.mark_id).where(
            ProductMark.product_id.in_(product_ids)
        )
    )
    return {product_id: mark_id for product_id, mark_id in rows}


def products_carrying(slug: str) -> sa.Select:
    """The ids of the products carrying the mark `slug` (the catalogue's `?mark=` filter)."""
    return (
        sa.select(ProductMark.product_id)
        .join(CollectiveMark, CollectiveMark.id == ProductMark.mark_id)
        .where(CollectiveMark.slug == slug)
    )


def carrying_products(mark_id: int) -> list[Product]:
    """The products carrying the mark (any status), for staff."""
    return list(
        db.session.scalars(
            sa.select(Product)
            .join(ProductMark, ProductMark.product_id == Product.id)
            .where(ProductMark.mark_id == mark_id)
            .order_by(Product.name)
        )
    )
