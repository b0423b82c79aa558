"""Orders: one per checkout, one sub-order per producer, lines that snapshot the sale."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import ActorRole, OrderStatus, PaymentMethod, PaymentStatus, RefundStatus, enum_type
from shop.extensions import db


class Order(db.Model):
    """What a buyer placed: who, where to, how they pay, and the money in whole VND."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("total = subtotal + shipping_total", name="total_adds_up"),
        sa.Index("ix_orders_hold", "payment_status", "hold_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    # One submitted form is one order (a double click) ...
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # ... and one checkout, the cart as the buyer reviewed it, is one order (two tabs).
    checkout_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The browser it was placed from (a random key in its session), for the limits on
    # unpaid orders holding stock (checkout.holds).
    browser_key: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(16), index=True)
    street: Mapped[str] = mapped_column(sa.String(200))
    ward_code: Mapped[int]
    province_code: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_type(PaymentMethod, "payment_method")
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, "payment_status"), default=PaymentStatus.UNPAID
    )
    status: Mapped[OrderStatus] = mapped_column(
        enum_type(OrderStatus, "order_status"), default=OrderStatus.PLACED
    )
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_total: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    hold_expires_at: Mapped[dt.datetime | None]
    placed_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    paid_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    # Set when the buyer's personal details were erased (account deleted, or guest retention).
    erased_at: Mapped[dt.datetime | None]

    sub_orders: Mapped[list[SubOrder]] = relationship(
        back_populates="order", order_by="SubOrder.id"
    )

    @property
    def lines(self) -> list[OrderLine]:
        return [line for sub in self.sub_orders for line in sub.lines]

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def amount_due(self) -> int:
        """What the buyer pays for the shipments still coming: `total` less cancelled ones.

        `total` stays what was placed (the record of the sale); the VietQR code, the card
        payment and the cash to collect follow this amount once a shipment is cancelled.
        """
        return sum(sub.total for sub in self.sub_orders if sub.status != OrderStatus.CANCELLED)


class SubOrder(db.Model):
    """The part of an order one producer ships."""

    __tablename__ = "sub_orders"
    __table_args__ = (
        sa.CheckConstraint("total = subtotal + shipping_fee", name="total_adds_up"),
        sa.UniqueConstraint("order_id", "producer_id", name="uq_sub_orders_producer"),
        sa.Index("ix_sub_orders_producer_status", "producer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"))
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"))
    producer_name: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[OrderStatus] = mapped_column(
        enum_type(OrderStatus, "sub_order_status"), default=OrderStatus.PLACED
    )
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_fee: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    carrier: Mapped[str | None] = mapped_column(sa.String(80))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(80))
    # After a cancellation of a paid shipment (None before, and for cash on delivery).
    refund_status: Mapped[RefundStatus | None] = mapped_column(
        enum_type(RefundStatus, "refund_status")
    )
    refund_ref: Mapped[str | None] = mapped_column(sa.String(100))
    # Why the buyer cancelled (a code of shop.labels.CANCEL_REASONS), if they said.
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(30))

    order: Mapped[Order] = relationship(back_populates="sub_orders")
    events: Mapped[list[SubOrderEvent]] = relationship(
        back_populates="sub_order", order_by="SubOrderEvent.id"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="sub_order", order_by="OrderLine.id"
    )


class OrderLine(db.Model):
    """A line as sold: name, variant, price, producer, certificate and stars at that moment."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
        sa.CheckConstraint("line_total = unit_price * quantity", name="line_total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_order_id: Mapped[int] = mapped_column(sa.ForeignKey("sub_orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"))
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variants.id"), index=True)
    product_name: Mapped[str] = mapped_column(sa.String(200))
    product_slug: Mapped[str] = mapped_column(sa.String(220))
    variant_label: Mapped[str] = mapped_column(sa.String(80))
    sku: Mapped[str] = mapped_column(sa.String(64))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int]
    line_total: Mapped[int] = mapped_column(sa.BigInteger)
    certificate_number: Mapped[str] = mapped_column(sa.String(80))
    stars: Mapped[int]

    sub_order: Mapped[SubOrder] = relationship(back_populates="lines")


class SubOrderEvent(db.Model):
    """One step of a shipment's timeline: who moved it from which status to which, and when."""

    __tablename__ = "sub_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_order_id: Mapped[int] = mapped_column(sa.ForeignKey("sub_orders.id"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus, "from_status"))
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[ActorRole] = mapped_column(enum_type(ActorRole, "actor_role"))
    at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    sub_order: Mapped[SubOrder] = relationship(back_populates="events")
