"""The listable rule is said once: the explanation of why a product is not listed, the
storefront's queries and the search indexer all agree, for every kind of unlisted product,
and no other module restates the rule."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from shop import clock
from shop.catalog import rules
from shop.catalog.models import Product
from shop.enums import CertificateStatus, ProducerStatus, ProductStatus
from shop.labels import UNLISTED_REASONS
from shop.search.documents import indexable_ids
from tests.factories import make_certificate, make_producer, make_product

TODAY = dt.date(2026, 11, 30)  # conftest's FROZEN_TODAY
SHOP = Path(__file__).resolve().parents[2] / "shop"


def expiring_on(day: dt.date) -> dict:
    """Certificate fields for an approved certificate whose 36 months end on `day`."""
    return {"decision_date": dt.date(day.year - 3, day.month, day.day)}


@pytest.fixture
def kinds(db, frozen_today):
    """One product of every kind, by name."""
    suspended = make_producer(status=ProducerStatus.SUSPENDED)
    made = {
        "listed": make_product(),
        "expires_today": make_product(certificate=expiring_on(TODAY)),
        "producer_suspended": make_product(suspended),
        "draft": make_product(status=ProductStatus.DRAFT),
        "hidden": make_product(status=ProductStatus.HIDDEN),
        "hidden_and_suspended": make_product(suspended, status=ProductStatus.HIDDEN),
        "no_certificate": make_product(certificate=False),
        "pending": make_product(certificate={"status": CertificateStatus.PENDING}),
        "changes_requested": make_product(
            certificate={"status": CertificateStatus.CHANGES_REQUESTED}
        ),
        "rejected": make_product(certificate={"status": CertificateStatus.REJECTED}),
        "revoked": make_product(certificate={"status": CertificateStatus.REVOKED}),
        "expired": make_product(certificate=expiring_on(TODAY - dt.timedelta(days=1))),
        "draft_expired": make_product(
            status=ProductStatus.DRAFT, certificate=expiring_on(TODAY - dt.timedelta(days=1))
        ),
    }
    # Expired, with its renewal waiting for staff: the newest certificate speaks.
    renewing = make_product(certificate=expiring_on(TODAY - dt.timedelta(days=10)))
    make_certificate(
        renewing, decision_date=TODAY - dt.timedelta(days=5), status=CertificateStatus.PENDING
    )
    made["expired_renewal_pending"] = renewing
    # An old expired certificate and a current one: listed.
    renewed = make_product(certificate=expiring_on(TODAY - dt.timedelta(days=400)))
    make_certificate(renewed, decision_date=TODAY - dt.timedelta(days=30))
    made["renewed"] = renewed
    # Revoked after a newer approval expired: the newest decision is the revocation.
    revoked_later = make_product(certificate=expiring_on(TODAY - dt.timedelta(days=3)))
    make_certificate(
        revoked_later, decision_date=TODAY - dt.timedelta(days=1), status=CertificateStatus.REVOKED
    )
    made["revoked_after_expiry"] = revoked_later
    db.session.flush()
    return made


EXPECTED = {
    "listed": None,
    "expires_today": None,
    "renewed": None,
    "producer_suspended": "producer_suspended",
    "hidden_and_suspended": "producer_suspended",
    "draft": "product_draft",
    "draft_expired": "product_draft",
    "hidden": "product_hidden",
    "no_certificate": "no_certificate",
    "pending": "certificate_pending",
    "changes_requested": "certificate_changes_requested",
    "rejected": "certificate_rejected",
    "revoked": "certificate_revoked",
    "revoked_after_expiry": "certificate_revoked",
    "expired": "certificate_expired",
    "expired_renewal_pending": "certificate_pending",
}

# Listable on some day (product and producer active, an approved certificate, whatever its
# expiry): what the search index holds; its queries drop the expired ones by date.
INDEXED = {
    "listed",
    "expires_today",
    "renewed",
    "expired",
    "expired_renewal_pending",
    "revoked_after_expiry",
}


def by_name(kinds: dict[str, Product], ids) -> set[str]:
    names = {p.id: name for name, p in kinds.items()}
    return {names[i] for i in ids}


def test_each_kind_of_unlisted_product_gets_its_own_reason(db, kinds):
    reasons = rules.unlisted_reasons(p.id for p in kinds.values())
    assert {name: reasons[p.id] for name, p in kinds.items()} == EXPECTED
    for name, product in kinds.items():
        assert rules.unlisted_reason(product) == EXPECTED[name], name


def test_the_reason_is_none_exactly_for_what_every_listing_query_lists(db, kinds):
    listed = {name for name, reason in EXPECTED.items() if reason is None}
    assert listed == {"listed", "expires_today", "renewed"}
    rows = db.session.execute(rules.listable_products()).all()
    assert by_name(kinds, (p.id for p, _ in rows)) == listed
    assert by_name(kinds, db.session.scalars(rules.listable_ids())) == listed
    flagged = db.session.execute(
        sa.select(Product.id, rules.is_listable().label("listed")).join(Product.producer)
    ).all()
    assert by_name(kinds, (i for i, yes in flagged if yes)) == listed


def test_the_search_indexer_holds_the_rule_without_its_date(db, kinds):
    assert by_name(kinds, indexable_ids()) == INDEXED


def test_every_reason_the_rule_gives_has_one_label(db):
    assert set(rules.REASONS) == {
        "producer_suspended",
        "product_draft",
        "product_hidden",
        "no_certificate",
        "certificate_pending",
        "certificate_changes_requested",
        "certificate_rejected",
        "certificate_revoked",
        "certificate_expired",
    }
    assert set(UNLISTED_REASONS) == set(rules.REASONS)
    assert {r for r in EXPECTED.values() if r} == set(rules.REASONS)


def test_expiry_is_decided_by_the_date_in_vietnam(db, frozen_today):
    product = make_product(certificate=expiring_on(TODAY))
    assert product.certificates[0].expires_on == TODAY
    # 23:59 in Hanoi on the expiry day is 16:59 UTC: still listed.
    with clock.frozen(dt.datetime(2026, 11, 30, 16, 59, tzinfo=dt.UTC)):
        assert rules.unlisted_reason(product) is None
        assert db.session.scalars(rules.listable_ids()).all() == [product.id]
    # 17:00 UTC on the same UTC day is already the next day in Vietnam: expired.
    with clock.frozen(dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)):
        assert rules.unlisted_reason(product) == "certificate_expired"
        assert db.session.scalars(rules.listable_ids()).all() == []


def _names(tree: ast.AST) -> set[str]:
    """The dotted names a module's code uses (`ProducerStatus.ACTIVE`, ...)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add(f"{node.value.id}.{node.attr}")
    return found


def test_no_other_module_restates_the_listable_rule():
    """A module that reads an active product or producer together with an approved
    certificate, or the certificates' expiry with the product's status, is writing the rule
    again. Only shop/catalog/rules.py may (shop/labels.py names the statuses, nothing more)."""
    offenders = []
    for path in sorted(SHOP.rglob("*.py")):
        relative = path.relative_to(SHOP).as_posix()
        if relative in ("catalog/rules.py", "labels.py"):
            continue
        names = _names(ast.parse(path.read_text(encoding="utf-8")))
        active = {"ProducerStatus.ACTIVE", "ProductStatus.ACTIVE"} & names
        certificate = {"CertificateStatus.APPROVED", "Certificate.expires_on"} & names
        if active and certificate:
            offenders.append(relative)
    assert offenders == []
