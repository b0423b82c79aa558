"""Payment attempts and the webhook events already handled."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.enums import PaymentMethod, PaymentStatus, enum_type
from shop.extensions import db
from shop.orders.models import Order


class Payment(db.Model):
    """One attempt to pay an order (a declined card may be followed by a bank transfer)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(
        enum_type(PaymentStatus, "payment_status"), default=PaymentStatus.UNPAID
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    provider_ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, onupdate=clock.utcnow)

    order: Mapped[Order] = relationship()


class WebhookEvent(db.Model):
    """A provider event already processed: the unique key makes a redelivery a no-op."""

    __tablename__ = "webhook_events"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_webhook_events_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(20))
    event_id: Mapped[str] = mapped_column(sa.String(100))
    event_type: Mapped[str] = mapped_column(sa.String(60))
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
