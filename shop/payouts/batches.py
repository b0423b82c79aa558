"""Payout batches: every available balance above PAYOUT_MINIMUM, sent to the bank as one
bulk transfer, then marked paid or failed line by line.

Nothing is paid twice. A line takes the producer's available entries with one conditional
UPDATE (`payout_line_id IS NULL` in its WHERE): an entry names at most one line, and two
batches made at once find the entries the first one took already taken (PostgreSQL makes the
second UPDATE wait for the first's commit, then re-checks the condition; SQLite runs one
writer at a time). The line's amount is the sum of what it actually took, and the PAYOUT
entry that takes that sum off the balance is written in the same transaction, so a refund
landing meanwhile either was taken (the line is smaller) or stays on the balance (it is
taken off the next payout). A failed line gives its amount back as a PAYOUT_RETURNED entry,
available at once.
"""

from __future__ import annotations

import csv
import io
import json
import re

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop import audit, clock
from shop.accounts.models import User
from shop.conditional import change
from shop.enums import PayoutLineStatus
from shop.errors import Refused
from shop.extensions import db
from shop.formatting import format_vnd
from shop.labels import PAYOUT_SKIP_REASONS
from shop.ledger.models import EntryKind, LedgerEntry
from shop.ledger.services import available_by_producer, record
from shop.payouts.account import account_of, hold_hours, is_held
from shop.payouts.banks import short_name
from shop.payouts.models import PayoutBatch, PayoutLine
from shop.producers.models import Producer
from shop.text import fold
from shop.transaction import use_case

NO_ACCOUNT, HELD, TAKEN = "no_account", "held", "taken"
NOTE_LENGTH = 80
_NOT_NOTE = re.compile(r"[^A-Z0-9 ]+")


def minimum() -> int:
    return current_app.config["PAYOUT_MINIMUM"]


def _claim(line: PayoutLine, day) -> int:
    """Take the producer's available, untaken entries for `line`; the sum taken."""
    db.session.execute(
        sa.update(LedgerEntry)
        .where(
            LedgerEntry.producer_id == line.producer_id,
            LedgerEntry.payout_line_id.is_(None),
            LedgerEntry.available_on.is_not(None),
            LedgerEntry.available_on <= day,
        )
        .values(payout_line_id=line.id)
        .execution_options(synchronize_session=False)
    )
    taken = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.payout_line_id == line.id
        )
    )
    return int(taken)  # PostgreSQL sums a BIGINT as NUMERIC


def _release(line: PayoutLine) -> None:
    """Give back what `line` took (in the same transaction, before anyone saw it)."""
    db.session.execute(
        sa.update(LedgerEntry)
        .where(LedgerEntry.payout_line_id == line.id)
        .values(payout_line_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(line)
    db.session.flush()


@use_case
def create_batch(staff: User) -> PayoutBatch:
    """A batch of every available balance of at least PAYOUT_MINIMUM, skipping (and saying
    why) producers without an account or whose account changed within the hold."""
    day, now, least = clock.today(), clock.utcnow(), minimum()
    # Read first, as a batch made at the same moment may have read too: the claim decides.
    candidates = sorted(available_by_producer(day, least))
    batch = PayoutBatch(created_by_id=staff.id, created_at=now)
    db.session.add(batch)
    db.session.flush()
    skipped = []
    for producer_id, _amount in candidates:
        account = account_of(producer_id)
        if account is None or is_held(account, now):
            skipped.append(
                {"producer_id": producer_id, "reason": NO_ACCOUNT if account is None else HELD}
            )
            continue
        line = PayoutLine(
            batch_id=batch.id,
            producer_id=producer_id,
            amount=0,
            bank_bin=account.bank_bin,
            account_number=account.account_number,
            holder_name=account.holder_name,
        )
        db.session.add(line)
        db.session.flush()
        taken = _claim(line, day)
        if taken < least or taken <= 0:
            _release(line)
            skipped.append({"producer_id": producer_id, "reason": TAKEN})
            continue
        line.amount = taken
        record(
            producer_id,
            EntryKind.PAYOUT,
            -taken,
            f"payout:{line.id}",
            payout_line_id=line.id,
            available_on=day,
            note=f"{batch.number}",
            actor=staff,
        )
    if not batch_lines(batch.id):
        raise Refused(_l("No producer has an available balance to pay out right now."))
    batch.skipped = json.dumps(skipped)
    db.session.flush()
    total = sum(line.amount for line in batch_lines(batch.id))
    audit.record(
        "payout_batch.created",
        batch,
        actor=staff,
        after={"lines": len(batch_lines(batch.id)), "total": total, "skipped": len(skipped)},
        summary=f"{batch.number} – {format_vnd(total, 'vi')}",
    )
    return batch


def batch_lines(batch_id: int) -> list[PayoutLine]:
    return list(
        db.session.scalars(
            sa.select(PayoutLine).where(PayoutLine.batch_id == batch_id).order_by(PayoutLine.id)
        )
    )


def skipped_of(batch: PayoutBatch) -> list[tuple[Producer | None, str]]:
    """Who was left out of the batch, and why (in words)."""
    found = []
    for item in json.loads(batch.skipped or "[]"):
        producer = db.session.get(Producer, item["producer_id"])
        reason = PAYOUT_SKIP_REASONS[item["reason"]]
        found.append((producer, str(reason) % {"hours": hold_hours()}))
    return found


def _line_summary(line: PayoutLine) -> str:
    return f"{line.batch.number} – {line.producer.name}, {format_vnd(line.amount, 'vi')}"


@use_case
def mark_paid(line: PayoutLine, staff: User) -> None:
    """The bank paid this line. Refused if it was already marked."""
    if not change(
        line,
        PayoutLine.status == PayoutLineStatus.PENDING,
        status=PayoutLineStatus.PAID,
        decided_at=clock.utcnow(),
        decided_by_id=staff.id,
    ):
        raise Refused(_l("This payout line is already marked."))
    audit.record("payout_line.paid", line, actor=staff, summary=_line_summary(line))


@use_case
def mark_failed(line: PayoutLine, staff: User, reason: str) -> None:
    """The bank refused this line: its amount goes back to the producer's available balance."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Say what the bank answered."), field="reason")
    if not change(
        line,
        PayoutLine.status == PayoutLineStatus.PENDING,
        status=PayoutLineStatus.FAILED,
        decided_at=clock.utcnow(),
        decided_by_id=staff.id,
        failure_reason=reason,
    ):
        raise Refused(_l("This payout line is already marked."))
    record(
        line.producer_id,
        EntryKind.PAYOUT_RETURNED,
        line.amount,
        f"payout-returned:{line.id}",
        available_on=clock.today(),
        note=f"{line.batch.number}: {reason}"[:300],
        actor=staff,
    )
    audit.record(
        "payout_line.failed", line, actor=staff, reason=reason, summary=_line_summary(line)
    )


def ascii_note(text: str) -> str:
    """A transfer note every bank takes: capitals A–Z, digits and spaces, no diacritics."""
    folded = _NOT_NOTE.sub(" ", fold(text).upper())
    return " ".join(folded.split())[:NOTE_LENGTH].rstrip()


def bank_csv(batch: PayoutBatch) -> bytes:
    """The batch's lines still to pay, as a bulk-transfer file: one row per producer, ASCII
    only, amounts in whole đồng, no thousands separators."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["STT", "So tai khoan", "Ten nguoi huong", "Ma NH", "Ngan hang", "So tien", "Noi dung"]
    )
    pending = [line for line in batch_lines(batch.id) if line.status == PayoutLineStatus.PENDING]
    for number, line in enumerate(pending, start=1):
        note = ascii_note(
            f"{current_app.config['SHOP_NAME']} {batch.number} NSX{line.producer_id} "
            f"{line.producer.name}"
        )
        writer.writerow(
            [
                number,
                line.account_number,
                line.holder_name,
                line.bank_bin,
                ascii_note(short_name(line.bank_bin)),
                line.amount,
                note,
            ]
        )
    return out.getvalue().encode("ascii")


def all_batches() -> list[tuple[PayoutBatch, int, int, int]]:
    """Every batch, newest first, with its number of lines, total, and lines still pending."""
    pending = sa.func.sum(sa.case((PayoutLine.status == PayoutLineStatus.PENDING, 1), else_=0))
    rows = db.session.execute(
        sa.select(
            PayoutBatch,
            sa.func.count(PayoutLine.id),
            sa.func.coalesce(sa.func.sum(PayoutLine.amount), 0),
            sa.func.coalesce(pending, 0),
        )
        .outerjoin(PayoutLine)
        .group_by(PayoutBatch.id)
        .order_by(PayoutBatch.id.desc())
    ).all()
    return [(batch, count, int(total), int(pending)) for batch, count, total, pending in rows]


def preview(day=None) -> tuple[list[tuple[Producer, int]], list[tuple[Producer, int, str]]]:
    """Who the next batch would pay (and how much), and who it would leave out and why."""
    day, now = day or clock.today(), clock.utcnow()
    paid, left_out = [], []
    for producer_id, amount in sorted(available_by_producer(day, minimum())):
        producer = db.session.get(Producer, producer_id)
        account = account_of(producer_id)
        if account is None:
            left_out.append((producer, amount, str(PAYOUT_SKIP_REASONS[NO_ACCOUNT])))
        elif is_held(account, now):
            left_out.append(
                (producer, amount, str(PAYOUT_SKIP_REASONS[HELD]) % {"hours": hold_hours()})
            )
        else:
            paid.append((producer, amount))
    return paid, left_out
