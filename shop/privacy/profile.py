"""Correcting what is wrong: the account's name and phone, its saved addresses."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop import geo
from shop.accounts.models import User
from shop.checkout.models import Address
from shop.errors import Refused
from shop.extensions import db
from shop.transaction import use_case


@use_case
def correct_profile(user: User, *, full_name: str, phone: str | None) -> None:
    """Replace the account's name and mobile number (already validated by the form)."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise Refused(_l("This field is required."), field="full_name")
    user = db.session.get(User, user.id)
    user.full_name = full_name
    user.phone = phone or None


def own_address(user: User, address_id: int) -> Address:
    """The account's own saved address, or a refusal (someone else's is never found)."""
    address = db.session.scalar(
        sa.select(Address).where(Address.id == address_id, Address.user_id == user.id)
    )
    if address is None:
        raise Refused(_l("This address is not in your account."))
    return address


@use_case
def correct_address(
    user: User,
    address_id: int,
    *,
    full_name: str,
    phone: str,
    street: str,
    ward_code: int,
    province_code: int,
) -> None:
    """Replace a saved address's details; the ward must lie in the province."""
    address = own_address(user, address_id)
    if not geo.is_valid_province(province_code):
        raise Refused(_l("Choose a province from the list."), field="province_code")
    if not geo.ward_in_province(ward_code, province_code):
        raise Refused(_l("Choose a ward or commune of the selected province."), field="ward_code")
    address.full_name = " ".join(full_name.split())
    address.phone = phone
    address.street = street.strip()
    address.ward_code = ward_code
    address.province_code = province_code


@use_case
def delete_address(user: User, address_id: int) -> None:
    """Remove a saved address (orders keep the address they were delivered to)."""
    db.session.delete(own_address(user, address_id))
