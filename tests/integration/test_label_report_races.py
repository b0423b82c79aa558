"""Two staff handling one label report at the same moment make one change: one closing (one
audit entry, one e-mail to the reporter), or one inspection. Real threads, SQLite and
PostgreSQL (tests/concurrency.py)."""

from __future__ import annotations

import sqlalchemy as sa

from shop.audit import AuditEntry
from shop.enums import Role
from shop.mail import OutboxMessage
from shop.programme.models import Inspection
from shop.reports import services
from shop.reports.models import LabelReport
from tests.concurrency import Race
from tests.conftest import csrf_from
from tests.factories import make_product, make_user
from tests.integration.test_buyer_orders import sign_in


def _world(app, db):
    product = make_product()
    report = services.report_product(
        product,
        product.certificates[0],
        services.NewReport(kind="differs", contact_email="lan@example.vn"),
        None,
    )
    staff = [make_user(Role.STAFF) for _ in range(2)]
    db.session.commit()
    tabs = [sign_in(app, db, member) for member in staff]
    page = f"/staff/reports/{report.id}"
    tokens = [csrf_from(tab.get(page).get_data(as_text=True)) for tab in tabs]
    return report, page, list(zip(tabs, tokens, strict=True))


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_two_staff_closing_one_report_at_once_close_it_once_and_tell_the_reporter_once(
    app, db, frozen_today
):
    report, page, tabs = _world(app, db)

    def close(tab, token, outcome):
        tab.post(f"{page}/close", data={"csrf_token": token, "outcome": outcome, "answer": ""})

    with Race(db, rows=[(LabelReport, report.id)]) as race:
        for (tab, token), outcome in zip(tabs, ("confirmed", "not_confirmed"), strict=True):
            race.start(close, tab, token, outcome)

    db.session.expire_all()
    assert db.session.get(LabelReport, report.id).status == "closed"
    closings = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action == "label_report.closed")
    ).all()
    assert len(closings) == 1
    assert _count(db, OutboxMessage) == 1


def test_two_staff_opening_an_inspection_from_one_report_at_once_plan_one(app, db, frozen_today):
    report, page, tabs = _world(app, db)

    def inspect(tab, token):
        tab.post(
            f"{page}/inspect",
            data={"csrf_token": token, "kind": "routine", "planned_on": "01/12/2026"},
        )

    with Race(db, rows=[(LabelReport, report.id)]) as race:
        for tab, token in tabs:
            race.start(inspect, tab, token)

    db.session.expire_all()
    assert db.session.get(LabelReport, report.id).status == "inspecting"
    assert _count(db, Inspection) == 1
    assert _count(db, OutboxMessage) == 1
