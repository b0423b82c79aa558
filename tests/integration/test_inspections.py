"""Post-certification inspections: planned, recorded once with checked files, an outcome that
can revoke through the certification service, overdue fixes, the verification page."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.catalog.services import get_listable
from shop.certification.models import Certificate
from shop.certification.scans import ScanRejected
from shop.enums import CertificateStatus, Role
from shop.errors import Refused
from shop.programme import services
from shop.programme.models import Inspection, InspectionKind, InspectionOutcome
from tests import scans
from tests.factories import make_producer, make_product, make_user

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def staff(db):
    return make_user(Role.STAFF, full_name="Trần Thanh Tra")


def _record(outcome, **fields):
    return services.Record(
        done_on=fields.pop("done_on", TODAY),
        inspector=fields.pop("inspector", "Lê Kiểm"),
        findings=fields.pop("findings", "Nhãn ghi 5 sao, chứng nhận 4 sao"),
        outcome=outcome,
        **fields,
    )


def test_plan_an_inspection_of_a_product_and_of_a_producer(db, staff, frozen_today):
    product = make_product(name="Mắm tôm Hà Nội")
    inspection = services.plan_inspection(product, "routine", dt.date(2026, 12, 10), staff)
    assert inspection.product_id == product.id
    assert inspection.producer_id == product.producer_id
    assert inspection.outcome == InspectionOutcome.PENDING
    producer = make_producer(name="HTX Kiểm Tra")
    whole = services.plan_inspection(
        producer, InspectionKind.UNANNOUNCED, TODAY, staff, source_report_id=7
    )
    assert whole.product_id is None and whole.source_report_id == 7
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "inspection.planned")
    ).all()
    assert [e.summary.split(" · ")[0] for e in entries] == ["Mắm tôm Hà Nội", "HTX Kiểm Tra"]


def test_only_staff_plan(db, frozen_today):
    product = make_product()
    with pytest.raises(PermissionError):
        services.plan_inspection(product, "routine", TODAY, product.producer.owner)
    assert db.session.scalar(sa.select(sa.func.count(Inspection.id))) == 0


def test_a_revoke_outcome_revokes_the_current_certificate_citing_the_inspection(
    db, staff, frozen_today
):
    product = make_product(name="Trà shan tuyết")
    inspection = services.plan_inspection(product, "unannounced", TODAY, staff)
    assert get_listable(product.id) is not None
    services.record_inspection(
        inspection, staff, _record(InspectionOutcome.REVOKE, files=[scans.png_bytes()])
    )
    certificate = db.session.scalar(
        sa.select(Certificate).where(Certificate.product_id == product.id)
    )
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoke_reason == (
        f"Kiểm tra #{inspection.id} ngày 30/11/2026: Nhãn ghi 5 sao, chứng nhận 4 sao"
    )
    assert inspection.revoked_certificate_id == certificate.id
    assert len(inspection.attachments) == 1
    assert get_listable(product.id) is None
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["inspection.recorded", "certificate.revoked"]


def test_recorded_once_only(db, staff, frozen_today):
    inspection = services.plan_inspection(make_product(), "routine", TODAY, staff)
    services.record_inspection(inspection, staff, _record(InspectionOutcome.PASSED))
    with pytest.raises(Refused):
        services.record_inspection(inspection, staff, _record(InspectionOutcome.REVOKE))
    assert inspection.outcome == InspectionOutcome.PASSED


def test_a_file_that_is_not_a_photo_or_document_is_refused_and_nothing_is_written(
    db, staff, frozen_today
):
    inspection = services.plan_inspection(make_product(), "routine", TODAY, staff)
    with pytest.raises(ScanRejected):
        services.record_inspection(
            inspection, staff, _record(InspectionOutcome.PASSED, files=[scans.WINDOWS_EXE])
        )
    db.session.expire_all()
    assert inspection.outcome == InspectionOutcome.PENDING
    assert inspection.attachments == []


def test_a_fix_needs_a_deadline_after_the_day_and_is_overdue_once_it_passed(
    db, staff, frozen_today
):
    inspection = services.plan_inspection(make_product(name="Mật ong"), "routine", TODAY, staff)
    with pytest.raises(Refused) as refused:
        services.record_inspection(inspection, staff, _record(InspectionOutcome.FIX_BY_DEADLINE))
    assert refused.value.field == "fix_deadline"
    services.record_inspection(
        inspection,
        staff,
        _record(InspectionOutcome.FIX_BY_DEADLINE, fix_deadline=dt.date(2026, 12, 15)),
    )
    assert services.overdue_fixes(dt.date(2026, 12, 15)) == []
    assert services.overdue_fixes(dt.date(2026, 12, 16)) == [inspection]
    frozen_today(dt.date(2026, 12, 20))
    services.confirm_fix(inspection, staff)
    assert inspection.fixed_on == dt.date(2026, 12, 20)
    assert services.overdue_fixes(dt.date(2026, 12, 20)) == []
