"""Producer logic: sign-up, tax-code rules, the producer's own products."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from shop import geo
from shop.accounts.services import create_user
from shop.catalog.models import Product
from shop.enums import LegalForm, Role
from shop.errors import Refused
from shop.extensions import db
from shop.producers.models import Producer
from shop.slugs import unique_slug
from shop.transaction import use_case

LEGAL_FORM_LABELS = {
    LegalForm.COOPERATIVE: _l("Cooperative (hợp tác xã)"),
    LegalForm.ENTERPRISE: _l("Enterprise (doanh nghiệp)"),
    LegalForm.COOPERATIVE_GROUP: _l("Cooperative group (tổ hợp tác)"),
    LegalForm.HOUSEHOLD_BUSINESS: _l("Household business (hộ kinh doanh)"),
}

_PERSONAL_ID = re.compile(r"^\d{12}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_LENGTH = (3, 80)


def normalize_tax_code(text: str, legal_form: LegalForm) -> str:
    """The stored form of a tax code (10 or 13 digits, check digit verified).

    Household businesses may give the owner's 12-digit personal ID number instead.
    """
    compact = mst.compact(text or "")
    if legal_form == LegalForm.HOUSEHOLD_BUSINESS and _PERSONAL_ID.match(compact):
        return compact
    try:
        return mst.validate(compact)
    except StdnumError:
        raise Refused(
            _l(
                "This is not a valid tax code: 10 digits (or 13 for a branch) with a correct check digit."
            ),
            field="tax_code",
        ) from None


def display_tax_code(stored: str) -> str:
    """0100109106001 → 0100109106-001."""
    return mst.format(stored) if len(stored) in (10, 13) else stored


def check_slug(slug: str) -> str:
    """A chosen public address (/producers/<slug>): a–z, digits, single hyphens; not taken."""
    low, high = SLUG_LENGTH
    if not (_SLUG.match(slug or "") and low <= len(slug) <= high):
        raise Refused(
            _l(
                "The address may use lower-case letters a–z, digits and single hyphens "
                "(%(low)s to %(high)s characters).",
                low=low,
                high=high,
            ),
            field="slug",
        )
    if db.session.scalar(sa.select(Producer.id).where(Producer.slug == slug)) is not None:
        raise Refused(_l("Another producer already has this address."), field="slug")
    return slug


@use_case
def register_producer(
    *,
    email: str,
    password: str,
    full_name: str,
    producer_name: str,
    legal_form: LegalForm,
    tax_code: str,
    province_code: int,
    ward_code: int,
    street: str,
    phone: str,
    description: str = "",
    preferred_language: str = "vi",
    slug: str | None = None,
) -> Producer:
    """Create the owner's account and the producer profile together: one use case, committed.

    The public address is made from the name, unless a `slug` is chosen (a producer who
    keeps the address it is known by, or the demo catalogue's fixed ones).
    """
    tax_code = normalize_tax_code(tax_code, legal_form)
    if slug is not None:
        slug = check_slug(slug)
    if not geo.is_valid_province(province_code):
        raise Refused(_l("Choose a province from the list."), field="province_code")
    if not geo.ward_in_province(ward_code, province_code):
        raise Refused(_l("Choose a ward or commune of the selected province."), field="ward_code")
    if db.session.scalar(sa.select(Producer.id).where(Producer.tax_code == tax_code)):
        raise Refused(_l("A producer with this tax code is already registered."), field="tax_code")
    user = create_user(
        email=email,
        password=password,
        full_name=full_name,
        role=Role.PRODUCER,
        phone=phone,
        preferred_language=preferred_language,
    )
    producer = Producer(
        owner=user,
        name=producer_name.strip(),
        slug=slug or unique_slug(Producer.slug, producer_name),
        legal_form=legal_form,
        tax_code=tax_code,
        province_code=province_code,
        ward_code=ward_code,
        street=street.strip(),
        phone=phone,
        description=description.strip(),
    )
    db.session.add(producer)
    db.session.flush()
    return producer


def own_products(producer: Producer) -> list[Product]:
    """All of a producer's products, newest first, with what the dashboard shows."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.producer_id == producer.id)
            .options(selectinload(Product.certificates), selectinload(Product.variants))
            .order_by(Product.created_at.desc(), Product.id.desc())
        )
    )
