"""The listable rule: every way a product can fall out of the shop, and the boundary day."""

import datetime as dt

import pytest

from shop.catalog.services import get_listable, listable_products, unlisted_reason
from shop.certification.rules import expiry_for
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from tests.factories import make_certificate, make_product

TODAY = dt.date(2026, 11, 30)


def listed_ids(db):
    return {product.id for product, _ in db.session.execute(listable_products()).all()}


def decided_to_expire_on(day: dt.date) -> dt.date:
    """A decision date whose 36-month validity ends on `day`."""
    return dt.date(day.year - 3, day.month, day.day)


def test_a_product_with_an_approved_current_certificate_is_listed(db, frozen_today):
    product = make_product()
    assert listed_ids(db) == {product.id}
    assert unlisted_reason(product) is None


def test_a_product_is_still_listed_on_the_day_its_certificate_expires(db, frozen_today):
    product = make_product(certificate={"decision_date": decided_to_expire_on(TODAY)})
    assert product.certificates[0].expires_on == TODAY
    assert listed_ids(db) == {product.id}


def test_a_product_disappears_the_day_after_its_certificate_expires(db, frozen_today):
    product = make_product(
        certificate={"decision_date": decided_to_expire_on(TODAY - dt.timedelta(days=1))}
    )
    assert listed_ids(db) == set()
    assert get_listable(product.id) is None
    assert unlisted_reason(product) == "certificate_expired"


def test_the_same_product_drops_out_when_the_clock_passes_its_expiry(db, frozen_today):
    product = make_product(certificate={"decision_date": decided_to_expire_on(TODAY)})
    assert get_listable(product.id) is not None
    frozen_today(TODAY + dt.timedelta(days=1))
    assert get_listable(product.id) is None


@pytest.mark.parametrize(
    "status, reason",
    [
        (CertificateStatus.REVOKED, "certificate_revoked"),
        (CertificateStatus.PENDING, "certificate_pending"),
        (CertificateStatus.REJECTED, "certificate_rejected"),
    ],
)
def test_a_product_without_an_approved_certificate_is_not_listed(db, frozen_today, status, reason):
    product = make_product(certificate={"status": status})
    assert listed_ids(db) == set()
    assert unlisted_reason(product) == reason


@pytest.mark.parametrize(
    "status, reason",
    [(ProductStatus.HIDDEN, "product_hidden"), (ProductStatus.DRAFT, "product_draft")],
)
def test_a_hidden_or_draft_product_is_not_listed(db, frozen_today, status, reason):
    product = make_product(status=status)
    assert listed_ids(db) == set()
    assert unlisted_reason(product) == reason


def test_every_product_of_a_suspended_producer_is_unlisted(db, frozen_today):
    product = make_product()
    sibling = make_product(product.producer)
    other = make_product()
    product.producer.status = ProducerStatus.SUSPENDED
    db.session.flush()
    assert listed_ids(db) == {other.id}
    assert unlisted_reason(sibling) == "producer_suspended"


def test_a_product_without_any_certificate_is_not_listed(db, frozen_today):
    product = make_product(certificate=False)
    assert listed_ids(db) == set()
    assert unlisted_reason(product) == "no_certificate"


def test_the_newest_valid_certificate_is_the_current_one(db, frozen_today):
    product = make_product(certificate={"decision_date": dt.date(2024, 1, 10), "stars": 3})
    make_certificate(product, decision_date=dt.date(2025, 12, 1), stars=5)
    make_certificate(
        product, decision_date=dt.date(2026, 10, 1), stars=4, status=CertificateStatus.PENDING
    )
    _, current = get_listable(product.id)
    assert current.stars == 5


def test_a_pending_renewal_keeps_the_product_listed_on_its_old_certificate(db, frozen_today):
    product = make_product(certificate={"decision_date": dt.date(2024, 1, 10), "stars": 3})
    make_certificate(product, decision_date=dt.date(2026, 11, 1), status=CertificateStatus.PENDING)
    _, current = get_listable(product.id)
    assert current.stars == 3


def test_a_revoked_newer_certificate_falls_back_to_an_older_valid_one(db, frozen_today):
    product = make_product(certificate={"decision_date": dt.date(2024, 1, 10), "stars": 3})
    make_certificate(
        product, decision_date=dt.date(2025, 1, 10), stars=5, status=CertificateStatus.REVOKED
    )
    _, current = get_listable(product.id)
    assert current.stars == 3


@pytest.mark.parametrize(
    "decision, expiry",
    [
        (dt.date(2021, 11, 24), dt.date(2024, 11, 24)),
        (dt.date(2020, 2, 29), dt.date(2023, 2, 28)),  # clamped to the month's end
        (dt.date(2023, 12, 31), dt.date(2026, 12, 31)),
    ],
)
def test_a_certificate_is_valid_36_months_from_its_decision(decision, expiry):
    assert expiry_for(decision) == expiry
