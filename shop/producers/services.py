"""Producer logic: sign-up, tax-code rules, the producer's own products, and staff suspending
or reactivating a producer."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from shop import audit, geo
from shop.access import is_owner
from shop.accounts.models import User
from shop.accounts.services import create_user
from shop.catalog.models import Product
from shop.conditional import change
from shop.enums import LegalForm, ProducerStatus, Role
from shop.errors import Refused
from shop.extensions import db
from shop.labels import PRODUCER_STATUS_LABELS
from shop.producers.models import Producer
from shop.slugs import unique_slug
from shop.text import fold
from shop.transaction import use_case

_PERSONAL_ID = re.compile(r"^\d{12}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_LENGTH = (3, 80)
PRODUCERS_SHOWN = 200


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
    accepted_notice: bool = False,
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
    if accepted_notice:  # the sign-up form's privacy-notice box (shop.privacy)
        from shop.privacy.consents import record_notice_consent

        record_notice_consent(user=user, source="registration")
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


# --- staff: find, suspend, reactivate -----------------------------------------------------------


@use_case
def set_producer_status(producer: Producer, status: ProducerStatus, staff: User, reason: str):
    """Suspend or reactivate a producer (audit-logged with the reason), in one transaction.

    Nothing else changes: every storefront path goes through listable_products(), which
    requires an active producer, so its products disappear and come back all at once.
    Raises Refused (nothing written) for the staff member's own producer, or a producer
    already in that status.
    """
    if is_owner(staff, producer.id):
        raise Refused(_l("You may not change the status of your own producer."))
    before = producer.status
    if not change(producer, Producer.status != status, status=status):
        raise Refused(
            _l("This producer is already %(status)s.", status=PRODUCER_STATUS_LABELS[status])
        )
    audit.record(
        "producer.suspended" if status == ProducerStatus.SUSPENDED else "producer.reactivated",
        producer,
        actor=staff,
        before={"status": before.value},
        after={"status": status.value},
        reason=reason.strip(),
        summary=producer.name,
    )


def _matching_producer_ids(q: str) -> list[int]:
    """Ids of producers whose name contains `q` (ignoring case and diacritics) or tax code."""
    folded, digits = fold(q), re.sub(r"\D", "", q)
    rows = db.session.execute(sa.select(Producer.id, Producer.name, Producer.tax_code))
    return [
        producer_id
        for producer_id, name, tax_code in rows
        if (folded and folded in fold(name)) or (digits and digits in tax_code)
    ]


def find_producers(q: str) -> list[tuple[Producer, int]]:
    """Producers (with their number of products) matching `q`, by name; the first
    PRODUCERS_SHOWN in name order."""
    from sqlalchemy.orm import joinedload

    products = (
        sa.select(sa.func.count(Product.id))
        .where(Product.producer_id == Producer.id)
        .correlate(Producer)
        .scalar_subquery()
    )
    query = sa.select(Producer, products).options(joinedload(Producer.owner))
    if q:
        query = query.where(Producer.id.in_(_matching_producer_ids(q)))
    rows = db.session.execute(query.order_by(Producer.name).limit(PRODUCERS_SHOWN)).all()
    return [(producer, count) for producer, count in rows]
