"""The programme office's year report for one area: the whole shop, a province or a commune.

What it counts, for a calendar year and the producers of the area (their registered
province or commune/ward: two levels of local government since the 2025 reform):

- certified that year: staff-verified certificates (approved, or approved and later
  revoked) whose decision date falls in the year — a calendar date as printed on the
  decision, so already Vietnam's — by stars, issuing level, OCOP group and product set, and
  the producers by legal form;
- expired in the year (up to today), with whether a later certificate renewed them; revoked
  in the year (the moment of revocation, by Vietnam's calendar), with the reasons; renewals
  (certificates submitted as renewing an earlier one) certified that year;
- still listed: of the products certified that year, those the shop lists today by the
  listable rule (`shop.catalog.rules.listable_ids`), and every listed product of the area;
- what the shop did for them: orders placed in the year (Vietnam's calendar: an order at
  00:30 on 1 January in Vietnam is 17:30 UTC on 31 December and counts in the new year)
  with a shipment of an area producer that was not cancelled; revenue counts those
  shipments' goods (shipping excluded), buyers are accounts (or a guest's e-mail), provinces
  reached are the delivery addresses' provinces; and the same by OCOP group.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload

from shop import clock, geo
from shop.catalog.models import Product, ProductSet
from shop.catalog.rules import listable_ids
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, IssuingLevel, LegalForm, OrderStatus
from shop.errors import Refused
from shop.extensions import db
from shop.labels import ISSUING_LEVEL_SHORT, LEGAL_FORM_LABELS
from shop.orders.models import Order, OrderLine, SubOrder
from shop.producers.models import Producer

FIRST_YEAR = 2008  # the OCOP programme's first pilots were later; earlier years are typos
CERTIFIED = (CertificateStatus.APPROVED, CertificateStatus.REVOKED)


@dataclass(frozen=True)
class Area:
    """The whole shop (no codes), a province, or a commune/ward of a province."""

    province_code: int | None = None
    ward_code: int | None = None

    @property
    def name(self) -> str:
        if self.ward_code:
            return f"{geo.ward_name(self.ward_code)}, {geo.province_name(self.province_code)}"
        if self.province_code:
            return geo.province_name(self.province_code)
        return _("the whole shop")

    @property
    def slug(self) -> str:
        if self.ward_code:
            return f"{geo.province_slug(self.province_code)}-{self.ward_code}"
        if self.province_code:
            return geo.province_slug(self.province_code)
        return "ca-nuoc"

    def producers(self) -> sa.ColumnElement[bool]:
        """The condition on `Producer` for the area."""
        if self.ward_code:
            return Producer.ward_code == self.ward_code
        if self.province_code:
            return Producer.province_code == self.province_code
        return sa.true()


def parse(args) -> tuple[int, Area]:
    """The year and area asked for in a query string (today's year, the whole shop by
    default); Refused for a year, province or commune that does not exist."""
    year_text = (args.get("year") or "").strip()
    year = clock.today().year
    if year_text:
        if not year_text.isdigit() or not FIRST_YEAR <= int(year_text) <= clock.today().year:
            raise Refused(
                _l(
                    "Choose a year from %(first)s to %(last)s.",
                    first=FIRST_YEAR,
                    last=clock.today().year,
                ),
                "year",
            )
        year = int(year_text)
    province_text = (args.get("province") or "").strip()
    ward_text = (args.get("ward") or "").strip()
    if not province_text:
        return year, Area()
    if not province_text.isdigit() or not geo.is_valid_province(int(province_text)):
        raise Refused(_l("Choose a province from the list."), "province")
    province = int(province_text)
    if not ward_text:
        return year, Area(province)
    if not ward_text.isdigit() or not geo.ward_in_province(int(ward_text), province):
        raise Refused(_l("Choose a commune or ward of this province."), "ward")
    return year, Area(province, int(ward_text))


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: its key, its words, how many."""

    key: str
    label: str
    value: int


@dataclass(frozen=True)
class GroupSales:
    key: str
    label: str
    orders: int
    quantity: int
    revenue: int


@dataclass
class YearReport:
    year: int
    area: Area
    today: dt.date
    certificates: int = 0
    products: int = 0
    producers: int = 0
    by_stars: list[Row] = field(default_factory=list)
    by_level: list[Row] = field(default_factory=list)
    by_group: list[Row] = field(default_factory=list)
    by_set: list[Row] = field(default_factory=list)
    by_legal_form: list[Row] = field(default_factory=list)
    expired: list[tuple[Certificate, bool]] = field(default_factory=list)  # (it, renewed)
    revoked: list[Certificate] = field(default_factory=list)
    renewals: list[Certificate] = field(default_factory=list)
    still_listed: int = 0  # of the products certified in the year
    listed_now: int = 0  # every listed product of the area
    orders: int = 0
    revenue: int = 0
    quantity: int = 0
    buyers: int = 0
    provinces_reached: int = 0
    sales_by_group: list[GroupSales] = field(default_factory=list)


def _year_days(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _year_moments(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The year in Vietnam as naive UTC bounds [start, end) for stored timestamps."""
    return clock.start_of_day_utc(dt.date(year, 1, 1)), clock.start_of_day_utc(
        dt.date(year + 1, 1, 1)
    )


def _group_label(product_set: ProductSet) -> str:
    return product_set.group_en if _english() else product_set.group_vi


def _set_label(product_set: ProductSet) -> str:
    return product_set.name_en if _english() else product_set.name_vi


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def build(year: int, area: Area, today: dt.date | None = None) -> YearReport:
    """The report's figures (a handful of queries, read only)."""
    today = today or clock.today()
    report = YearReport(year=year, area=area, today=today)
    first, last = _year_days(year)
    _certified(report, area, first, last)
    _expired(report, area, first, min(last, today - dt.timedelta(days=1)))
    _revoked(report, area, *_year_moments(year))
    _sales(report, area, *_year_moments(year))
    report.listed_now = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            listable_ids(today)
            .join(Producer, Producer.id == Product.producer_id)
            .where(area.producers())
            .subquery()
        )
    )
    return report


def _in_area(query: sa.Select, area: Area) -> sa.Select:
    return query.join(Producer, Producer.id == Certificate.producer_id).where(area.producers())


def _certified(report: YearReport, area: Area, first: dt.date, last: dt.date) -> None:
    certificates = list(
        db.session.scalars(
            _in_area(sa.select(Certificate), area)
            .where(
                Certificate.status.in_(CERTIFIED),
                Certificate.decision_date >= first,
                Certificate.decision_date <= last,
            )
            .options(
                joinedload(Certificate.product_set),
                joinedload(Certificate.product),
                joinedload(Certificate.producer),
            )
            .order_by(Certificate.decision_date, Certificate.id)
        ).unique()
    )
    report.certificates = len(certificates)
    product_ids = {c.product_id for c in certificates}
    producers = {c.producer_id: c.producer for c in certificates}
    report.products = len(product_ids)
    report.producers = len(producers)
    stars = Counter(c.stars for c in certificates)
    report.by_stars = [Row(str(n), "★" * n, stars[n]) for n in (3, 4, 5)]
    levels = Counter(c.issuing_level for c in certificates)
    report.by_level = [
        Row(level.value, str(ISSUING_LEVEL_SHORT[level]), levels[level]) for level in IssuingLevel
    ]
    groups: Counter[str] = Counter()
    group_names: dict[str, str] = {}
    sets: Counter[int] = Counter()
    set_names: dict[int, str] = {}
    for c in certificates:
        groups[c.product_set.group_code] += 1
        group_names[c.product_set.group_code] = _group_label(c.product_set)
        sets[c.product_set_code] += 1
        set_names[c.product_set_code] = _set_label(c.product_set)
    report.by_group = [Row(k, group_names[k], groups[k]) for k in sorted(groups)]
    report.by_set = [
        Row(str(k), set_names[k], n) for k, n in sorted(sets.items(), key=lambda i: (-i[1], i[0]))
    ]
    forms = Counter(p.legal_form for p in producers.values())
    report.by_legal_form = [
        Row(form.value, str(LEGAL_FORM_LABELS[form]), forms[form]) for form in LegalForm
    ]
    report.renewals = [c for c in certificates if c.renews_id is not None]
    if product_ids:
        report.still_listed = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                listable_ids(report.today).where(Product.id.in_(product_ids)).subquery()
            )
        )


def _expired(report: YearReport, area: Area, first: dt.date, last: dt.date) -> None:
    """Approved certificates whose last valid day fell in the year, before today."""
    if last < first:
        return
    later = aliased(Certificate)
    renewed = (
        sa.select(later.id)
        .where(
            later.product_id == Certificate.product_id,
            later.status == CertificateStatus.APPROVED,
            later.expires_on > Certificate.expires_on,
        )
        .exists()
    )
    rows = db.session.execute(
        _in_area(sa.select(Certificate, renewed), area)
        .where(
            Certificate.status == CertificateStatus.APPROVED,
            Certificate.expires_on >= first,
            Certificate.expires_on <= last,
        )
        .options(joinedload(Certificate.product), joinedload(Certificate.producer))
        .order_by(Certificate.expires_on, Certificate.id)
    ).all()
    report.expired = [(c, bool(r)) for c, r in rows]


def _revoked(report: YearReport, area: Area, start: dt.datetime, end: dt.datetime) -> None:
    report.revoked = list(
        db.session.scalars(
            _in_area(sa.select(Certificate), area)
            .where(
                Certificate.status == CertificateStatus.REVOKED,
                Certificate.revoked_at >= start,
                Certificate.revoked_at < end,
            )
            .options(joinedload(Certificate.product), joinedload(Certificate.producer))
            .order_by(Certificate.revoked_at, Certificate.id)
        )
    )


def _sales(report: YearReport, area: Area, start: dt.datetime, end: dt.datetime) -> None:
    live = (
        sa.select(OrderLine.id)
        .join(SubOrder, SubOrder.id == OrderLine.sub_order_id)
        .join(Order, Order.id == SubOrder.order_id)
        .join(Producer, Producer.id == SubOrder.producer_id)
        .where(
            SubOrder.status != OrderStatus.CANCELLED,
            Order.placed_at >= start,
            Order.placed_at < end,
            area.producers(),
        )
    )
    buyer = sa.func.coalesce(sa.cast(Order.user_id, sa.String), sa.func.lower(Order.email))
    base = (
        sa.select()
        .select_from(OrderLine)
        .join(SubOrder, SubOrder.id == OrderLine.sub_order_id)
        .join(Order, Order.id == SubOrder.order_id)
        .where(OrderLine.id.in_(live))
    )
    totals = db.session.execute(
        base.add_columns(
            sa.func.count(sa.distinct(Order.id)),
            sa.func.coalesce(sa.func.sum(OrderLine.line_total), 0),
            sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0),
            sa.func.count(sa.distinct(buyer)),
            sa.func.count(sa.distinct(Order.province_code)),
        )
    ).one()
    report.orders, report.revenue, report.quantity, report.buyers, report.provinces_reached = (
        int(v) for v in totals
    )
    rows = db.session.execute(
        base.join(Product, Product.id == OrderLine.product_id)
        .join(ProductSet, ProductSet.code == Product.product_set_code)
        .add_columns(
            ProductSet.group_code,
            sa.func.min(ProductSet.group_vi),
            sa.func.min(ProductSet.group_en),
            sa.func.count(sa.distinct(Order.id)),
            sa.func.sum(OrderLine.quantity),
            sa.func.sum(OrderLine.line_total),
        )
        .group_by(ProductSet.group_code)
        .order_by(ProductSet.group_code)
    ).all()
    english = _english()
    report.sales_by_group = [
        GroupSales(code, en if english else vi, int(orders), int(qty), int(revenue))
        for code, vi, en, orders, qty, revenue in rows
    ]


# --- CSV -------------------------------------------------------------------------------------


def to_csv(report: YearReport) -> bytes:
    """The report as a spreadsheet (UTF-8 with a BOM, so Excel reads the Vietnamese): one
    row per figure — section, key, label, value — and one per listed certificate."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Section"), _("Key"), _("Label"), _("Value"), _("Detail")])
    writer.writerow(["area", report.area.slug, report.area.name, report.year, ""])
    for key, label, value in (
        ("certificates", _("Certificates"), report.certificates),
        ("products", _("Products"), report.products),
        ("producers", _("Producers"), report.producers),
        ("still_listed", _("Of these products, listed today"), report.still_listed),
        ("listed_now", _("Products of the area listed today"), report.listed_now),
    ):
        writer.writerow(["certified", key, label, value, ""])
    for section, rows in (
        ("stars", report.by_stars),
        ("issuing_level", report.by_level),
        ("ocop_group", report.by_group),
        ("product_set", report.by_set),
        ("legal_form", report.by_legal_form),
    ):
        for row in rows:
            writer.writerow([section, row.key, row.label, row.value, ""])
    for certificate, renewed in report.expired:
        writer.writerow(
            [
                "expired",
                certificate.number,
                certificate.product.name,
                certificate.expires_on.isoformat(),
                _("renewed") if renewed else _("not renewed"),
            ]
        )
    for certificate in report.revoked:
        writer.writerow(
            [
                "revoked",
                certificate.number,
                certificate.product.name,
                clock_day(certificate.revoked_at).isoformat(),
                certificate.revoke_reason or "",
            ]
        )
    for certificate in report.renewals:
        writer.writerow(
            [
                "renewal",
                certificate.number,
                certificate.product.name,
                certificate.decision_date.isoformat(),
                certificate.renews.number if certificate.renews else "",
            ]
        )
    for key, label, value in (
        ("orders", _("Orders"), report.orders),
        ("revenue", _("Revenue (đồng, goods only)"), report.revenue),
        ("quantity", _("Items sold"), report.quantity),
        ("buyers", _("Buyers"), report.buyers),
        ("provinces_reached", _("Provinces reached"), report.provinces_reached),
    ):
        writer.writerow(["sales", key, label, value, ""])
    for group in report.sales_by_group:
        writer.writerow(
            [
                "sales_by_group",
                group.key,
                group.label,
                group.revenue,
                f"{group.orders} / {group.quantity}",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def clock_day(moment: dt.datetime) -> dt.date:
    """A stored UTC moment's calendar day in Vietnam."""
    return moment.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date()
