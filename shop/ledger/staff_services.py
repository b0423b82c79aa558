"""Staff's use cases on the money: adjustments with a reason, the monthly tax list, and the
reconciliation of the cash carriers collected on delivery with what they remitted.

Each use case owns its transaction (`@use_case`) and refuses with a translated message,
having written nothing; the reads never write.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop import audit, clock
from shop.enums import LegalForm, OrderStatus, PaymentMethod
from shop.errors import Refused
from shop.extensions import db
from shop.ledger.models import CodRemittance, CodRemittanceLine, EntryKind, LedgerEntry
from shop.ledger.services import Balances, balances, month_bounds, record
from shop.orders.models import Order, SubOrder
from shop.producers.models import Producer
from shop.transaction import use_case

K = EntryKind
MAX_ADJUSTMENT = 1_000_000_000  # đồng, either way: a typo of three zeros is refused


# --- balances and adjustments ----------------------------------------------------------------


def producer_balances(day: dt.date | None = None) -> list[tuple[Producer, Balances]]:
    """Every producer with an entry, by name, with their balances on `day`."""
    ids = db.session.scalars(sa.select(LedgerEntry.producer_id).distinct()).all()
    producers = db.session.scalars(
        sa.select(Producer).where(Producer.id.in_(ids)).order_by(Producer.name)
    ).all()
    return [(producer, balances(producer.id, day)) for producer in producers]


def all_producers() -> list[Producer]:
    return list(db.session.scalars(sa.select(Producer).order_by(Producer.name)))


@use_case
def adjust(producer_id: int, amount: int, reason: str, staff, key: str) -> bool:
    """Add (or, negative, take off) `amount` đồng to a producer's available balance, with the
    reason, audit-logged. `key` is the form's own token: the same form posted twice writes
    once (False the second time). Refused if the producer, the amount or the reason is wrong."""
    reason = " ".join(reason.split())
    producer = db.session.get(Producer, producer_id)
    if producer is None:
        raise Refused(_l("This producer does not exist."), field="producer_id")
    if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
        raise Refused(
            _l("Give an amount other than 0, at most 1.000.000.000 ₫ either way."), field="amount"
        )
    if len(reason) < 5:
        raise Refused(_l("Say why, in a few words (at least 5 characters)."), field="reason")
    written = record(
        producer.id,
        K.ADJUSTMENT,
        amount,
        f"adjust:{key}",
        available_on=clock.today(),
        note=reason,
        actor=staff,
    )
    if written:
        audit.record(
            "ledger.adjusted",
            producer,
            actor=staff,
            after={"amount": amount},
            reason=reason,
            summary=f"{producer.name} · {amount:+} VND",
        )
    return written


# --- the tax list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRow:
    producer_id: int
    name: str
    tax_code: str
    legal_form: LegalForm
    sales: int  # revenue of the sales paid in the month
    offset: int  # revenue of sales cancelled or returned in the month (negative or 0)
    vat: int  # withheld in the month, net of what cancellations gave back
    pit: int

    @property
    def revenue(self) -> int:
        return self.sales + self.offset


def tax_list(year: int, month: int) -> list[TaxRow]:
    """What the shop withheld in that month (Vietnam's calendar) per seller it withholds for.

    A shipment's sale counts when it carries tax entries (its seller's legal form required
    withholding when it was paid); a cancellation in the month offsets, in the month it
    happens, the revenue and the tax it gave back."""
    start, end = month_bounds(year, month)
    taxed = sa.select(LedgerEntry.sub_order_id).where(LedgerEntry.kind == K.TAX_VAT)
    in_month = sa.and_(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
    amount = LedgerEntry.amount
    is_sale = sa.and_(LedgerEntry.kind == K.SALE, LedgerEntry.sub_order_id.in_(taxed))
    rows = db.session.execute(
        sa.select(
            LedgerEntry.producer_id,
            sa.func.sum(
                sa.case((sa.and_(is_sale, LedgerEntry.reverses_id.is_(None)), amount), else_=0)
            ),
            sa.func.sum(
                sa.case((sa.and_(is_sale, LedgerEntry.reverses_id.is_not(None)), amount), else_=0)
            ),
            sa.func.sum(sa.case((LedgerEntry.kind == K.TAX_VAT, amount), else_=0)),
            sa.func.sum(sa.case((LedgerEntry.kind == K.TAX_PIT, amount), else_=0)),
        )
        .where(in_month, LedgerEntry.kind.in_((K.SALE, K.TAX_VAT, K.TAX_PIT)))
        .group_by(LedgerEntry.producer_id)
    ).all()
    producers = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Producer).where(Producer.id.in_([r[0] for r in rows]))
        )
    }
    found = []
    for producer_id, sales, offset, vat, pit in rows:
        if not (sales or offset or vat or pit):
            continue
        producer = producers[producer_id]
        found.append(
            TaxRow(
                producer_id,
                producer.name,
                producer.tax_code,
                producer.legal_form,
                int(sales),
                int(offset),
                -int(vat),
                -int(pit),
            )
        )
    return sorted(found, key=lambda row: (row.name, row.producer_id))


TAX_CSV_COLUMNS = (
    _l("Month"),
    _l("Seller"),
    _l("Tax code or ID number"),
    _l("Legal form"),
    _l("Sales paid (₫)"),
    _l("Cancelled or returned (₫)"),
    _l("Revenue (₫)"),
    _l("VAT withheld (₫)"),
    _l("PIT withheld (₫)"),
)


def tax_csv(year: int, month: int, rows: list[TaxRow]) -> str:
    """UTF-8 CSV text with a BOM (Excel then reads Vietnamese), one row per seller and a total."""
    from shop.labels import LEGAL_FORM_LABELS
    from shop.orders.producer_services import csv_cell

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in TAX_CSV_COLUMNS])
    label = f"{month:02d}/{year}"
    for row in rows:
        writer.writerow(
            [
                label,
                csv_cell(row.name),
                csv_cell(row.tax_code),
                str(LEGAL_FORM_LABELS[row.legal_form]),
                row.sales,
                row.offset,
                row.revenue,
                row.vat,
                row.pit,
            ]
        )
    writer.writerow(
        [
            label,
            str(_l("Total")),
            "",
            "",
            sum(r.sales for r in rows),
            sum(r.offset for r in rows),
            sum(r.revenue for r in rows),
            sum(r.vat for r in rows),
            sum(r.pit for r in rows),
        ]
    )
    return buffer.getvalue()


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(raw: str | None) -> tuple[int, int]:
    """ "2026-11" → (2026, 11); empty → the previous month (the one to declare); else Refused."""
    if not raw:
        first = clock.today().replace(day=1) - dt.timedelta(days=1)
        return first.year, first.month
    match = _MONTH.match(raw.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise Refused(_l("Choose a month, like 2026-11."), field="month")
    return int(match.group(1)), int(match.group(2))


# --- cash on delivery: what the carriers remitted --------------------------------------------


@dataclass(frozen=True)
class CodRow:
    sub: SubOrder
    expected: int  # the cash the carrier was to collect (0 if the shipment was not delivered)
    remitted: int

    @property
    def difference(self) -> int:
        return self.remitted - self.expected


def cod_rows(include_settled: bool = False) -> list[CodRow]:
    """Delivered cash-on-delivery shipments and every shipment a remittance named: what was to
    be collected, what the carriers remitted; only those that differ unless `include_settled`."""
    remitted = (
        sa.select(
            CodRemittanceLine.sub_order_id.label("sub_id"),
            sa.func.sum(CodRemittanceLine.amount).label("amount"),
        )
        .group_by(CodRemittanceLine.sub_order_id)
        .subquery()
    )
    delivered_cod = sa.and_(
        Order.payment_method == PaymentMethod.COD, SubOrder.status == OrderStatus.DELIVERED
    )
    query = (
        sa.select(SubOrder, sa.func.coalesce(remitted.c.amount, 0))
        .join(Order, Order.id == SubOrder.order_id)
        .outerjoin(remitted, remitted.c.sub_id == SubOrder.id)
        .where(sa.or_(delivered_cod, remitted.c.amount.is_not(None)))
        .order_by(SubOrder.id.desc())
    )
    rows = []
    for sub, amount in db.session.execute(query):
        is_due = (
            sub.order.payment_method == PaymentMethod.COD and sub.status == OrderStatus.DELIVERED
        )
        row = CodRow(sub, sub.total if is_due else 0, int(amount))
        if include_settled or row.difference:
            rows.append(row)
    return rows


def recent_remittances(limit: int = 20) -> list[CodRemittance]:
    return list(
        db.session.scalars(sa.select(CodRemittance).order_by(CodRemittance.id.desc()).limit(limit))
    )


_AMOUNT = re.compile(r"^\d{1,3}([.,]\d{3})*$|^\d+$")


def parse_remittance_lines(text: str) -> list[tuple[int, str, int]]:
    """(line number, tracking number, amount) from lines "tracking, amount" (comma, semicolon
    or tab between; amounts in đồng, "150000" or "150.000"); a header line is skipped.
    Refused, naming the lines, if any line cannot be read."""
    found, bad = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        cells = [c.strip().strip('"') for c in next(csv.reader([line], _Dialect(line)))]
        cells = [c for c in cells if c]
        if len(cells) == 2 and _AMOUNT.match(cells[1]):
            found.append((number, cells[0][:80], int(re.sub(r"[.,]", "", cells[1]))))
        elif not found and not bad and len(cells) >= 2 and not any(ch.isdigit() for ch in cells[1]):
            continue  # a header ("tracking, amount")
        else:
            bad.append(number)
    if bad:
        raise Refused(
            _l(
                "Lines %(lines)s are not “tracking number, amount”.",
                lines=", ".join(str(n) for n in bad[:10]),
            ),
            field="lines",
        )
    if not found:
        raise Refused(_l("Give at least one line: tracking number, amount."), field="lines")
    return found


def _Dialect(line: str):  # noqa: N802 (a csv dialect for one line)
    class Line(csv.excel):
        delimiter = "\t" if "\t" in line else (";" if ";" in line else ",")

    return Line


@use_case
def record_remittance(
    carrier: str, reference: str, received_on: dt.date, text: str, staff, note: str = ""
) -> CodRemittance:
    """Record what a carrier remitted for the shipments it collected cash for (audit-logged).
    Refused, writing nothing, if a line cannot be read, does not name exactly one
    cash-on-delivery shipment by its tracking number, names one twice, or the remittance was
    recorded already."""
    carrier, reference = " ".join(carrier.split())[:80], reference.strip()[:100]
    if not carrier:
        raise Refused(_l("Give the carrier."), field="carrier")
    if not reference:
        raise Refused(_l("Give the remittance's reference."), field="reference")
    if received_on > clock.today():
        raise Refused(_l("The day received cannot be in the future."), field="received_on")
    lines = parse_remittance_lines(text)
    trackings = [tracking for _, tracking, _ in lines]
    subs = db.session.scalars(
        sa.select(SubOrder)
        .join(Order, Order.id == SubOrder.order_id)
        .where(SubOrder.tracking_number.in_(trackings), Order.payment_method == PaymentMethod.COD)
    ).all()
    by_tracking: dict[str, list[SubOrder]] = {}
    for sub in subs:
        by_tracking.setdefault(sub.tracking_number, []).append(sub)
    unknown = [n for n, tracking, _ in lines if len(by_tracking.get(tracking, ())) != 1]
    if unknown:
        raise Refused(
            _l(
                "Lines %(lines)s name no single cash-on-delivery shipment by its tracking number.",
                lines=", ".join(str(n) for n in unknown[:10]),
            ),
            field="lines",
        )
    if len(set(trackings)) != len(trackings):
        raise Refused(_l("A tracking number is given twice."), field="lines")
    remittance = CodRemittance(
        carrier=carrier,
        reference=reference,
        received_on=received_on,
        note=note.strip()[:300],
        actor_id=staff.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(remittance)
            db.session.flush()
    except IntegrityError:
        raise Refused(
            _l("This remittance (carrier and reference) is recorded already."), field="reference"
        ) from None
    for _, tracking, amount in lines:
        sub = by_tracking[tracking][0]
        db.session.add(CodRemittanceLine(remittance=remittance, sub_order_id=sub.id, amount=amount))
    total = sum(amount for _, _, amount in lines)
    audit.record(
        "cod.remittance_recorded",
        remittance,
        actor=staff,
        after={"shipments": len(lines), "amount": total},
        summary=f"{carrier} {reference} · {len(lines)} · {total} VND",
    )
    return remittance
