"""Two people deciding one thing at the same moment make one decision: a certificate's
review, a product's publication or hiding.

Each decision is one conditional UPDATE from the status it expects (shop.conditional.change);
only the call whose UPDATE changed the row writes the audit entry and queues the e-mail. Real threads, each with its own app context and database session, let go together
(tests/concurrency.py), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.catalog.models import Product
from shop.certification import services as certification
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, ProductStatus, Role
from shop.errors import Refused
from shop.mail import OutboxMessage
from shop.producers import listing_services
from tests.concurrency import Race
from tests.factories import make_product, make_user

DECISIONS = (
    "certificate.approved",
    "certificate.rejected",
    "certificate.changes_requested",
    "certificate.revoked",
)


@pytest.fixture
def pending(db, frozen_today):
    """A product whose only certificate waits for review, and two staff members."""
    product = make_product(
        name="Cà phê Robusta Ea Tu", certificate={"status": CertificateStatus.PENDING}
    )
    first = make_user(Role.STAFF, email="kiemduyet1@cho-ocop.vn")
    second = make_user(Role.STAFF, email="kiemduyet2@cho-ocop.vn")
    db.session.commit()
    return {
        "certificate": product.certificates[0].id,
        "product": product.id,
        "owner": product.producer.owner.email,
        "staff": [first.id, second.id],
    }


def _decide(app, outcomes: list[str], action: str, certificate_id: int, staff_id: int):
    with app.app_context():
        from shop.extensions import db as scoped

        try:
            certificate = scoped.session.get(Certificate, certificate_id)
            reviewer = scoped.session.get(User, staff_id)
            if action == "approve":
                certification.approve(certificate, reviewer)
            else:
                getattr(certification, action)(certificate, reviewer, "Bản quét không khớp.")
            outcomes.append("decided")
        except Refused:
            outcomes.append("refused")
        finally:
            scoped.session.remove()


def _race(app, db, pending, *actions: str) -> list[str]:
    outcomes: list[str] = []
    rows = [(Certificate, pending["certificate"]), (Product, pending["product"])]
    with Race(db, rows=rows) as race:
        for action, staff_id in zip(actions, pending["staff"], strict=True):
            race.start(_decide, app, outcomes, action, pending["certificate"], staff_id)
    db.session.expire_all()
    return sorted(outcomes)


def _audit(db) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.in_(DECISIONS))
    ).all()


def _mail_to(db, recipient: str) -> list[str]:
    return db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == recipient)
    ).all()


def test_two_simultaneous_approvals_make_one_decision_one_audit_entry_and_one_mail(
    app, db, pending
):
    outcomes = _race(app, db, pending, "approve", "approve")

    assert outcomes == ["decided", "refused"]
    certificate = db.session.get(Certificate, pending["certificate"])
    assert certificate.status == CertificateStatus.APPROVED
    assert certificate.reviewer_id in pending["staff"]
    assert _audit(db) == ["certificate.approved"]
    assert len(_mail_to(db, pending["owner"])) == 1


def test_an_approval_and_a_rejection_at_once_make_one_decision_one_audit_entry_and_one_mail(
    app, db, pending
):
    outcomes = _race(app, db, pending, "approve", "reject")

    assert outcomes == ["decided", "refused"]
    certificate = db.session.get(Certificate, pending["certificate"])
    assert certificate.status in (CertificateStatus.APPROVED, CertificateStatus.REJECTED)
    expected = {
        CertificateStatus.APPROVED: "certificate.approved",
        CertificateStatus.REJECTED: "certificate.rejected",
    }[certificate.status]
    assert _audit(db) == [expected]
    assert len(_mail_to(db, pending["owner"])) == 1


def test_two_simultaneous_rejections_make_one_decision_one_audit_entry_and_one_mail(
    app, db, pending
):
    outcomes = _race(app, db, pending, "reject", "reject")

    assert outcomes == ["decided", "refused"]
    certificate = db.session.get(Certificate, pending["certificate"])
    assert certificate.status == CertificateStatus.REJECTED
    assert certificate.review_reason == "Bản quét không khớp."
    assert _audit(db) == ["certificate.rejected"]
    assert len(_mail_to(db, pending["owner"])) == 1


def test_two_tabs_hiding_one_product_at_once_hide_it_once_with_one_audit_entry(app, db, pending):
    product = db.session.get(Product, pending["product"])
    product.status = ProductStatus.ACTIVE
    owner_id = product.producer.owner_id
    db.session.commit()
    outcomes: list[str] = []

    def hide():
        with app.app_context():
            from shop.extensions import db as scoped

            try:
                listing_services.change_status(
                    scoped.session.get(Product, pending["product"]),
                    "hide",
                    scoped.session.get(User, owner_id),
                )
                outcomes.append("hidden")
            except Refused as refused:
                outcomes.append(str(refused.message))
            finally:
                scoped.session.remove()

    with Race(db, rows=[(Product, pending["product"])]) as race:
        race.start(hide)
        race.start(hide)

    db.session.expire_all()
    assert sorted(outcomes) == ["Chỉ có thể ẩn sản phẩm đã đăng bán.", "hidden"]
    assert db.session.get(Product, pending["product"]).status == ProductStatus.HIDDEN
    hidden = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "product.hide")
    ).all()
    assert hidden == ["product.hide"]
