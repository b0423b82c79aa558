"""Trade fairs and promotion events, and the products producers sign up for them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop import clock
from shop.catalog.models import Product
from shop.extensions import db
from shop.producers.models import Producer

KINDS = ("fair", "promotion")
MAX_NAME, MAX_PLACE, MAX_DESCRIPTION = 160, 200, 2000


class TradeEvent(db.Model):
    """A fair or promotion event on given days at one place; shown until its last day
    (Vietnam's date) has passed, unless cancelled."""

    __tablename__ = "trade_events"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('fair', 'promotion')", name="trade_event_kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="trade_event_days"),
        sa.Index("ix_trade_events_ends", "cancelled", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME))
    kind: Mapped[str] = mapped_column(sa.String(12), default="fair")
    province_code: Mapped[int]
    place: Mapped[str] = mapped_column(sa.String(MAX_PLACE))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    description: Mapped[str] = mapped_column(sa.String(MAX_DESCRIPTION), default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    entries: Mapped[list[EventEntry]] = relationship(
        back_populates="event", order_by="EventEntry.id"
    )

    @property
    def province_name(self) -> str:
        from shop.geo import province_name

        return province_name(self.province_code)


class EventEntry(db.Model):
    """One product a producer brings to an event."""

    __tablename__ = "event_entries"
    __table_args__ = (sa.UniqueConstraint("event_id", "product_id", name="uq_event_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("trade_events.id"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id"), index=True)
    producer_id: Mapped[int] = mapped_column(sa.ForeignKey("producers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)

    event: Mapped[TradeEvent] = relationship(back_populates="entries")
    product: Mapped[Product] = relationship()
    producer: Mapped[Producer] = relationship()
