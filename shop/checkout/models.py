"""Addresses a signed-in buyer keeps for the next checkout."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class Address(db.Model):
    """A delivery address: street, ward or commune, province (the post-2025 format)."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(16))
    street: Mapped[str] = mapped_column(sa.String(200))
    ward_code: Mapped[int]
    province_code: Mapped[int]
