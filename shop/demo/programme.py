"""The programme office in the demo (issue #17): certificates due for re-recognition, each
renewal at another stage, and inspections after certification.

Played through the shop's services on past moments, as the rest of the demo: four products
whose certificates run out within six months (their renewals: approved, waiting for review,
sent back for changes, none yet), an inspection that passed, one whose fix is overdue, and
one planned. A second run adds nothing: the products are keyed on their slugs, the
inspections on there being any.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from shop import clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.certification import services as certification
from shop.demo import pictures, scans
from shop.demo.data import PRODUCERS, ProductRow
from shop.demo.plan import Plan, _moment, certificate_for, plan_product
from shop.extensions import db
from shop.producers.models import Producer
from shop.programme import services as programme
from shop.programme.models import Inspection, InspectionOutcome

SERIAL = 900  # certificate numbers of these products: after the catalogue's

# fmt: off
DUE = (
    # (row, what happened to its renewal)
    (ProductRow("EATUL", 13, "Cà phê hạt Arabica Ea Tul", 4, 1050,
        (("Túi 500g", 210000, 40, 520),),
        "Arabica trồng xen dưới tán sầu riêng, hái chín, sơ chế ướt và rang mộc. Vị chua "
        "thanh, hương hoa quả."), "approved"),
    (ProductRow("EATUL", 4, "Mật ong hoa cà phê hũ nhỏ", 3, 1010,
        (("Hũ 250g", 95000, 60, 300),),
        "Mật ong hoa cà phê đóng hũ nhỏ làm quà, vị ngọt thanh, thơm nhẹ."), "submitted"),
    (ProductRow("BNPQ", 9, "Nước mắm truyền thống Phú Quốc loại 30 độ đạm", 3, 975,
        (("Chai 500ml", 65000, 120, 650),),
        "Nước mắm truyền thống độ đạm vừa, dùng kho, nấu, nêm nếm hằng ngày."),
     "changes_requested"),
    (ProductRow("MVHONEY", 4, "Mật ong bạc hà Mèo Vạc hũ 150g", 4, 945,
        (("Hũ 150g", 120000, 30, 200),),
        "Mật ong bạc hà đóng hũ nhỏ, tiện mang theo."), "none"),
)
# (product name, kind, days ago planned, days ago done or None, outcome, findings, fix in days)
INSPECTIONS = (
    ("Nước mắm nhĩ cá cơm Phú Quốc 43 độ đạm", "routine", 40, 38, InspectionOutcome.PASSED,
     "Kiểm tra nhà thùng và lô hàng đang bán: nhãn, độ đạm và hồ sơ truy xuất đúng như "
     "hồ sơ công nhận.", None),
    ("Tiêu đen Phú Quốc", "unannounced", 30, 28, InspectionOutcome.FIX_BY_DEADLINE,
     "Nhãn phụ của lô hàng kiểm tra thiếu ngày sản xuất và hạn sử dụng. Yêu cầu bổ sung "
     "nhãn cho toàn bộ hàng tồn.", 23),
    (None, "routine", -10, None, InspectionOutcome.PENDING, "", None),
)
# fmt: on
CHANGES = "Bản quét quyết định công nhận lại bị thiếu trang 2. Vui lòng gửi bản đầy đủ."


def load_programme(staff: User, make_product) -> None:
    """The demo's renewals and inspections (see the module's docstring); `make_product` is
    the loader's own way to list a product and play its certificate's story."""
    today = clock.today()
    producers = {row.code: row for row in PRODUCERS}
    existing = set(db.session.scalars(sa.select(Product.slug)))
    for index, (row, stage) in enumerate(DUE):
        plan = plan_product(row, producers[row.producer], SERIAL + index, today)
        if plan.slug in existing:
            continue
        drawing = _drawing(plan)
        owner = db.session.scalar(sa.select(Producer).where(Producer.slug == plan.producer.slug))
        make_product(plan, drawing, owner, staff)
        _renewal(plan, stage, owner, staff, today)
    if db.session.scalar(sa.select(Inspection.id).limit(1)) is None:
        _inspections(staff, today)


def _drawing(plan: Plan):
    from shop.demo.loader import Drawing

    return Drawing(pictures.product_pictures(plan.row)[:1], scans.certificate_scan(plan.scan()))


def _renewal(plan: Plan, stage: str, producer: Producer, staff: User, today: dt.date) -> None:
    if stage == "none":
        return
    product = db.session.scalar(sa.select(Product).where(Product.slug == plan.slug))
    old = product.certificates[0]
    renewed_row = plan.row._replace(days_ago=9)
    submission = dataclasses.replace(
        certificate_for(renewed_row, plan.producer, plan.serial + 50, today), renews_id=old.id
    )
    facts = dataclasses.replace(
        plan.scan(),
        number=submission.number,
        decision_number=submission.decision_number,
        decision_date=submission.decision_date,
        issuing_body=submission.issuing_body,
    )
    with clock.frozen(_moment(today - dt.timedelta(days=6), 90)):
        renewal = certification.submit(producer, product, submission, scans.certificate_scan(facts))
        db.session.flush()
    with clock.frozen(_moment(today - dt.timedelta(days=4), 150)):
        if stage == "approved":
            certification.approve(renewal, staff)
        elif stage == "changes_requested":
            certification.request_changes(renewal, staff, CHANGES)
        db.session.flush()


def _inspections(staff: User, today: dt.date) -> None:
    for name, kind, planned_ago, done_ago, outcome, findings, fix_days in INSPECTIONS:
        if name is None:
            subject = db.session.scalar(
                sa.select(Producer).where(Producer.slug == "htx-mat-ong-bac-ha-meo-vac")
            )
        else:
            subject = db.session.scalar(sa.select(Product).where(Product.name == name))
        if subject is None:
            continue
        with clock.frozen(_moment(today - dt.timedelta(days=max(planned_ago, 0) + 2), 30)):
            inspection = programme.plan_inspection(
                subject, kind, today - dt.timedelta(days=planned_ago), staff
            )
            db.session.flush()
        if done_ago is None:
            continue
        done_on = today - dt.timedelta(days=done_ago)
        photo = pictures.product_pictures(_row_named(name))[0][0]
        with clock.frozen(_moment(done_on, 300)):
            programme.record_inspection(
                inspection,
                staff,
                programme.Record(
                    done_on=done_on,
                    inspector="Nguyễn Văn Kiểm (Chi cục QLCL)",
                    findings=findings,
                    outcome=outcome,
                    fix_deadline=done_on + dt.timedelta(days=fix_days) if fix_days else None,
                    files=[photo],
                ),
            )
            db.session.flush()


def _row_named(name: str) -> ProductRow:
    from shop.demo.data import PRODUCTS

    return next(row for row in PRODUCTS if row.name == name)
