"""Reviews: who may write one and when, the producer's reply, hiding, and the product's page.

Only the buyer of a line whose shipment was delivered may review it, once. Hidden reviews
stay in the table (the audit log refers to them) but are neither shown nor counted.

Posting, replying and hiding are use cases, each one transaction, committed; a refusal is
`shop.errors.Refused` and writes nothing. A reply and a hiding are one conditional UPDATE
each, so two at once make one (and one audit entry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import OrderStatus
from shop.errors import Refused
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.reviews.models import MAX_RATING, MAX_TEXT, MIN_RATING, Review
from shop.transaction import use_case

PAGE_SIZE = 10


def check_text(text: str | None) -> str:
    """The text trimmed, or Refused when it is longer than MAX_TEXT characters."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise Refused(
            _l(
                "Your text is too long: at most %(n)s characters (you wrote %(count)s).",
                n=MAX_TEXT,
                count=len(text),
            )
        )
    return text


def check_rating(rating: int | None) -> int:
    """The rating, or Refused unless it is a whole number of stars in the range."""
    if rating is None or not MIN_RATING <= rating <= MAX_RATING:
        raise Refused(
            _l("Choose a rating from %(low)s to %(high)s.", low=MIN_RATING, high=MAX_RATING)
        )
    return rating


def reviews_of_order(order: Order) -> dict[int, Review]:
    """The reviews already written for the order's lines, by order line id (one query)."""
    line_ids = [line.id for line in order.lines]
    if not line_ids:
        return {}
    found = db.session.scalars(sa.select(Review).where(Review.order_line_id.in_(line_ids)))
    return {review.order_line_id: review for review in found}


def may_review(line: OrderLine, user: User | None, existing: dict[int, Review]) -> bool:
    """True when `user` bought the line, its shipment was delivered and it has no review yet."""
    return (
        user is not None
        and line.sub_order.order.user_id == user.id
        and line.sub_order.status == OrderStatus.DELIVERED
        and line.id not in existing
    )


@use_case
def post_review(line: OrderLine, user: User, rating: int | None, comment: str) -> Review:
    """Record the buyer's review of a delivered line, or raise Refused saying why not."""
    if line.sub_order.order.user_id != user.id:
        raise Refused(_l("Only the buyer can review this purchase."))
    if line.sub_order.status != OrderStatus.DELIVERED:
        raise Refused(_l("You can review this product once its parcel has been delivered."))
    already = _l("You have already reviewed this purchase.")
    if db.session.scalar(sa.select(Review.id).where(Review.order_line_id == line.id)):
        raise Refused(already)
    review = Review(
        order_line_id=line.id,
        product_id=line.product_id,
        user_id=user.id,
        rating=check_rating(rating),
        comment=check_text(comment),
    )
    try:
        with db.session.begin_nested():  # two tabs submitting at once: the unique key decides
            db.session.add(review)
    except IntegrityError:
        raise Refused(already) from None
    return review


@use_case
def reply(review: Review, producer_owner: User, text: str) -> None:
    """The product's producer answers a review, once."""
    if review.product.producer_id != getattr(producer_owner.producer, "id", None):
        raise Refused(_l("Only the producer of this product can reply."))
    replied = _l("You have already replied to this review.")
    if review.reply is not None:
        raise Refused(replied)
    text = check_text(text)
    if not text:
        raise Refused(_l("Write your reply first."))
    if not change(review, Review.reply.is_(None), reply=text, replied_at=clock.utcnow()):
        raise Refused(replied)


@use_case
def hide(review: Review, staff: User, reason: str) -> None:
    """Staff take an abusive review off the product page (audit-logged with the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Give the reason for hiding the review."))
    if not change(review, Review.hidden.is_(False), hidden=True):
        raise Refused(_l("This review is already hidden."))
    audit.record(
        "review.hidden",
        review,
        actor=staff,
        before={"hidden": False},
        after={"hidden": True},
        reason=reason[:MAX_TEXT],
        summary=f"product {review.product_id}, {review.rating}/{MAX_RATING}",
    )


@dataclass
class ReviewPage:
    """One page of a product's visible reviews, with the average and count of all of them."""

    count: int
    average: float | None
    rows: list[Review]
    page: int
    pages: int
    max_rating: int = MAX_RATING
    max_text: int = MAX_TEXT


def product_reviews(product_id: int, page: int = 1) -> ReviewPage:
    """Visible reviews newest first, PAGE_SIZE a page; two queries whatever their number."""
    visible = sa.and_(Review.product_id == product_id, Review.hidden.is_(False))
    count, average = db.session.execute(
        sa.select(sa.func.count(Review.id), sa.func.avg(Review.rating)).where(visible)
    ).one()
    pages = max(math.ceil(count / PAGE_SIZE), 1)
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        sa.select(Review)
        .where(visible)
        .options(joinedload(Review.user))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return ReviewPage(
        count=count,
        average=round(float(average), 1) if average is not None else None,
        rows=list(rows),
        page=page,
        pages=pages,
    )


def recent_reviews(limit: int = 100) -> list[Review]:
    """The newest reviews, hidden ones included, for staff moderation."""
    return list(
        db.session.scalars(
            sa.select(Review)
            .options(joinedload(Review.user), joinedload(Review.order_line))
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )
