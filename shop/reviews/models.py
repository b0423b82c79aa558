"""A buyer's review of a product, tied to the order line that proves the purchase."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import OrderLine

MIN_RATING, MAX_RATING = 1, 5
MAX_TEXT = 2000  # characters, for the buyer's comment and the producer's reply alike


class Review(db.Model):
    """One rating (1–5) and comment per purchased line; hidden ones are kept but not shown."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint(f"rating BETWEEN {MIN_RATING} AND {MAX_RATING}", name="rating_range"),
        sa.Index("ix_reviews_product_shown", "product_id", "hidden", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id"), unique=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.String(MAX_TEXT), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)
    reply: Mapped[str | None] = mapped_column(sa.String(MAX_TEXT))
    replied_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()
    order_line: Mapped[OrderLine] = relationship()

    @property
    def author_name(self) -> str:
        """The given name and the family initial ("Mai T."): enough to be real, not to track."""
        if self.user.erased_at is not None:  # the account was deleted: the review stays, nameless
            from flask_babel import gettext

            return gettext("A former buyer")
        words = self.user.full_name.split()
        if len(words) < 2:
            return words[0] if words else ""
        return f"{words[-1]} {words[0][0]}."
