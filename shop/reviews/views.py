"""Review pages: the buyer's review form (on the order page), the producer's reply, moderation.

The product and order pages belong to other blueprints; they reach reviews through the two
template globals defined here, `product_reviews(product)` and `order_reviews(order)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop import access
from shop.access import staff_required
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.orders.models import Order, OrderLine
from shop.paging import page_arg
from shop.reviews import services
from shop.reviews.forms import HideForm, ReplyForm, ReviewForm
from shop.reviews.models import MAX_RATING, MAX_TEXT, MIN_RATING, Review

bp = Blueprint("reviews", __name__)


def _first_error(form) -> str:
    return next(str(error) for errors in form.errors.values() for error in errors)


def _carry_out(action: Callable[[], object], back: str, done: str):
    """Run a review use case (it commits): say `done`, or why not; either way back to `back`."""
    try:
        action()
    except Refused as error:
        attach_error(None, error)
        return redirect(back)
    flash(done, "success")
    return redirect(back)


@bp.post("/orders/<number>/lines/<int:line_id>/review")
@login_required
def post(number: str, line_id: int):
    """The buyer reviews one delivered line of their order."""
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    line = db.session.get(OrderLine, line_id)
    if order is None or order.user_id != current_user.id or line not in order.lines:
        abort(404)
    back = url_for("checkout.order", number=order.number, _anchor=f"line-{line.id}")
    form = ReviewForm()
    if not form.validate():  # the fields' ids on the order page: rating-<line>, comment-<line>
        field = next((name for name in form.errors if name in ("rating", "comment")), None)
        flash_error(_first_error(form), f"{field}-{line.id}" if field else None)
        return redirect(back)
    return _carry_out(
        lambda: services.post_review(line, current_user, form.rating.data, form.comment.data),
        back,
        _("Thank you: your review is on the product page."),
    )


@bp.post("/reviews/<int:review_id>/reply")
@login_required
def reply(review_id: int):
    """The product's producer answers a review, once (the form is on the product page)."""
    review = db.session.get(Review, review_id)
    if review is None or not access.owns(review.product.producer_id):
        abort(404)
    back = url_for("catalog.product", slug=review.product.slug, _anchor=f"review-{review.id}")
    form = ReplyForm()
    if not form.validate():
        flash(_first_error(form), "error")
        return redirect(back)
    return _carry_out(
        lambda: services.reply(review, current_user, form.text.data),
        back,
        _("Your reply is published under the review."),
    )


@bp.get("/staff/reviews")
@staff_required
def moderation():
    """The newest reviews, to hide an abusive one."""
    return render_template(
        "reviews/staff_reviews.html", reviews=services.recent_reviews(), max_rating=MAX_RATING
    )


@bp.post("/staff/reviews")
@staff_required
def hide():
    """Hide a review from the product page, with the reason (audit-logged)."""
    form = HideForm()
    if not form.validate():
        flash(_first_error(form), "error")
        return redirect(url_for(".moderation"))
    review = db.session.get(Review, form.review_id.data)
    if review is None:
        abort(404)
    return _carry_out(
        lambda: services.hide(review, current_user, form.reason.data),
        url_for(".moderation"),
        _("The review is hidden and no longer counts in the product's rating."),
    )


@bp.app_template_global()
def product_reviews(product) -> services.ReviewPage:
    """The page of buyers' reviews the product page asks for (?reviews_page=)."""
    page = page_arg("reviews_page")
    return services.product_reviews(product.id, page)


@dataclass
class OrderReviews:
    """What the order page needs: each line's review, and which lines may be reviewed now."""

    existing: dict[int, Review]
    eligible: set[int]
    min_rating: int = MIN_RATING
    max_rating: int = MAX_RATING
    max_text: int = MAX_TEXT


@bp.app_template_global()
def order_reviews(order: Order) -> OrderReviews:
    """The reviews of the order's lines, and the lines the signed-in buyer may review."""
    existing = services.reviews_of_order(order)
    user = current_user if current_user.is_authenticated else None
    eligible = {line.id for line in order.lines if services.may_review(line, user, existing)}
    return OrderReviews(existing=existing, eligible=eligible)
