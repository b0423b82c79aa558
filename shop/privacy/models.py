"""Consents (what a person agreed to, when, under which notice) and log-in history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop import clock
from shop.extensions import db

# What a consent is for.
PURPOSE_NOTICE = "privacy_notice"  # processing as the notice describes, to sell and deliver
PURPOSE_MARKETING = "marketing_email"  # news and offers by e-mail, a separate opt-in


class Consent(db.Model):
    """One consent given (and, for marketing, perhaps withdrawn later): by an account or, at
    guest checkout, for an order. It holds no personal data of its own, so it outlives erasure
    as the record that the processing was consented to."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(30))
    notice_version: Mapped[str] = mapped_column(sa.String(20))
    # Where it was given: registration, guest_checkout, account.
    source: Mapped[str] = mapped_column(sa.String(20))
    given_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    withdrawn_at: Mapped[dt.datetime | None]


class LoginEvent(db.Model):
    """One log-in: when, from which network (the address truncated) and which browser."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow, index=True)
    ip_prefix: Mapped[str] = mapped_column(sa.String(50), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
