"""Accounts: one table of people, each with one role."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from shop import clock
from shop.enums import Role, enum_type
from shop.extensions import db

if TYPE_CHECKING:
    from shop.producers.models import Producer


def hash_password(password: str) -> str:
    """A salted hash of the password, the only form in which it is stored: scrypt, or the
    PASSWORD_HASH_METHOD setting (the test config makes it cheap)."""
    method = current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"
    return generate_password_hash(password, method)


def new_session_token() -> str:
    """A fresh, unguessable session token (256 bits)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A customer, producer owner, staff member or administrator."""

    __tablename__ = "users"
    __table_args__ = (
        # E-mail is unique regardless of case: it is stored folded and the database checks it.
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(16))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), default=Role.CUSTOMER)
    active: Mapped[bool] = mapped_column(default=True)
    preferred_language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.utcnow)
    # News and offers by e-mail only after a separate opt-in (shop.privacy); withdrawn in one click.
    marketing_opt_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Set when the person deleted the account: personal fields are gone (shop.privacy.erasure).
    erased_at: Mapped[dt.datetime | None]
    # What the session cookie and the remember-me cookie hold instead of the id (Flask-Login's
    # alternative id): replacing it ends every log-in of the account at its next request.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )

    producer: Mapped[Producer | None] = relationship(back_populates="owner")

    @validates("email")
    def _fold_email(self, _key: str, value: str) -> str:
        return normalize_email(value)

    def set_password(self, password: str) -> None:
        """Store a salted hash (scrypt), never the password."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What Flask-Login stores in the session and the remember-me cookie."""
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def is_staff(self) -> bool:
        """Staff and administrators reach the back office."""
        return self.role in (Role.STAFF, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def normalize_email(value: str) -> str:
    """The stored form of an e-mail address: trimmed and lower case."""
    return value.strip().lower()
