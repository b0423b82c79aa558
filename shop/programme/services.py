"""Post-certification inspections: plan, record (with checked files), confirm a fix.

Each action is one use case in one transaction. Recording is one conditional UPDATE from
"pending", so two staff recording the same inspection at once record it once. An outcome of
"revoke" revokes the product's current certificate (or, for an inspection of a producer, each
of its current certificates) through `shop.certification.services.revoke`, whose reason cites
the inspection: the product leaves the shop, the search index and the audit log follow there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.certification import services as certification
from shop.certification.models import Certificate
from shop.certification.scans import store_scan
from shop.conditional import change
from shop.enums import CertificateStatus
from shop.errors import Refused
from shop.extensions import db
from shop.formatting import format_day
from shop.producers.models import Producer
from shop.programme.models import (
    Inspection,
    InspectionAttachment,
    InspectionKind,
    InspectionOutcome,
)
from shop.transaction import use_case

MAX_FILES = 10
NOT_BEFORE_DAYS = 366  # a planned or recorded day may lie at most a year back


def _staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionError("only staff plan and record inspections")


def _summary(inspection: Inspection) -> str:
    return f"{inspection.subject_name} · {inspection.kind.value} · #{inspection.id}"


@use_case
def plan_inspection(
    product_or_producer: Product | Producer,
    kind: InspectionKind | str,
    planned_on: dt.date,
    actor: User,
    *,
    source_report_id: int | None = None,
) -> Inspection:
    """Plan a routine or unannounced inspection of a product or of a producer as a whole."""
    _staff(actor)
    try:
        kind = InspectionKind(kind)
    except ValueError:
        raise Refused(_l("Choose routine or unannounced."), "kind") from None
    if planned_on < clock.today() - dt.timedelta(days=NOT_BEFORE_DAYS):
        raise Refused(_l("The planned day is more than a year ago."), "planned_on")
    if isinstance(product_or_producer, Product):
        product, producer = product_or_producer, product_or_producer.producer
    else:
        product, producer = None, product_or_producer
    inspection = Inspection(
        product=product,
        producer=producer,
        kind=kind,
        planned_on=planned_on,
        inspector="",
        findings="",
        outcome=InspectionOutcome.PENDING,
        source_report_id=source_report_id,
        created_by_id=actor.id,
    )
    db.session.add(inspection)
    db.session.flush()
    audit.record(
        "inspection.planned",
        inspection,
        actor=actor,
        after={"kind": kind.value, "planned_on": planned_on.isoformat()},
        summary=_summary(inspection),
    )
    return inspection


@dataclass(frozen=True)
class Record:
    """What staff write down after an inspection."""

    done_on: dt.date
    inspector: str
    findings: str
    outcome: InspectionOutcome
    fix_deadline: dt.date | None = None
    files: list[bytes] = field(default_factory=list)


def _check_record(record: Record) -> None:
    today = clock.today()
    if record.done_on > today:
        raise Refused(_l("The inspection day cannot be in the future."), "done_on")
    if record.done_on < today - dt.timedelta(days=NOT_BEFORE_DAYS):
        raise Refused(_l("The inspection day is more than a year ago."), "done_on")
    if not record.inspector.strip():
        raise Refused(_l("Name the inspector."), "inspector")
    if not record.findings.strip():
        raise Refused(_l("Write down the findings."), "findings")
    if record.outcome == InspectionOutcome.PENDING:
        raise Refused(_l("Choose the outcome."), "outcome")
    if record.outcome == InspectionOutcome.FIX_BY_DEADLINE:
        if record.fix_deadline is None:
            raise Refused(_l("Give the deadline for the fix."), "fix_deadline")
        if record.fix_deadline <= record.done_on:
            raise Refused(_l("The deadline must come after the inspection day."), "fix_deadline")
    if len(record.files) > MAX_FILES:
        raise Refused(_l("At most %(n)s files per inspection.", n=MAX_FILES), "files")


def _current_certificates(inspection: Inspection) -> list[Certificate]:
    """The approved, unexpired certificates the inspection's outcome would revoke."""
    query = sa.select(Certificate).where(
        Certificate.status == CertificateStatus.APPROVED,
        Certificate.expires_on >= clock.today(),
    )
    if inspection.product_id is not None:
        query = query.where(Certificate.product_id == inspection.product_id)
    else:
        query = query.where(Certificate.producer_id == inspection.producer_id)
    return list(db.session.scalars(query.order_by(Certificate.id)))


def revocation_reason(inspection: Inspection, findings: str) -> str:
    """The reason a revocation gives: it cites the inspection (in Vietnamese, the record's
    language, as the certificates themselves are)."""
    with force_locale("vi"):
        cited = _(
            "Inspection #%(id)s on %(day)s: %(findings)s",
            id=inspection.id,
            day=format_day(inspection.done_on),
            findings=findings.strip(),
        )
    return cited


@use_case
def record_inspection(inspection: Inspection, actor: User, record: Record) -> Inspection:
    """Write down a planned inspection once, with its files and outcome; a "revoke" outcome
    revokes the current certificate(s) through the certification service, citing it."""
    _staff(actor)
    _check_record(record)
    if inspection.outcome != InspectionOutcome.PENDING:
        raise _already_recorded()
    to_revoke: list[Certificate] = []
    if record.outcome == InspectionOutcome.REVOKE:
        to_revoke = _current_certificates(inspection)
        if not to_revoke:
            raise Refused(
                _l("There is no current certificate to revoke: choose another outcome."),
                "outcome",
            )
    stored = [store_scan(data) for data in record.files if data]  # or ScanRejected
    if not change(
        inspection,
        Inspection.outcome == InspectionOutcome.PENDING,
        outcome=record.outcome,
        done_on=record.done_on,
        inspector=record.inspector.strip(),
        findings=record.findings.strip(),
        fix_deadline=(
            record.fix_deadline if record.outcome == InspectionOutcome.FIX_BY_DEADLINE else None
        ),
        recorded_by_id=actor.id,
        recorded_at=clock.utcnow(),
        revoked_certificate_id=to_revoke[0].id if to_revoke else None,
    ):
        raise _already_recorded()
    for scan in stored:
        db.session.add(
            InspectionAttachment(
                inspection_id=inspection.id,
                path=scan.path,
                content_type=scan.content_type,
                pages=scan.pages,
            )
        )
    audit.record(
        "inspection.recorded",
        inspection,
        actor=actor,
        after={
            "outcome": record.outcome.value,
            "done_on": record.done_on.isoformat(),
            "fix_deadline": record.fix_deadline.isoformat() if record.fix_deadline else None,
            "files": len(stored),
        },
        reason=record.findings.strip(),
        summary=_summary(inspection),
    )
    reason = revocation_reason(inspection, record.findings)
    for certificate in to_revoke:
        certification.revoke(certificate, actor, reason)
    db.session.expire(inspection, ["attachments"])
    return inspection


def _already_recorded() -> Refused:
    return Refused(_l("This inspection was already recorded."))


@use_case
def confirm_fix(inspection: Inspection, actor: User, fixed_on: dt.date | None = None) -> None:
    """Staff confirm that the producer made the fix asked for."""
    _staff(actor)
    day = fixed_on or clock.today()
    if day > clock.today():
        raise Refused(_l("The day of the fix cannot be in the future."), "fixed_on")
    if not change(
        inspection,
        Inspection.outcome == InspectionOutcome.FIX_BY_DEADLINE,
        Inspection.fixed_on.is_(None),
        fixed_on=day,
    ):
        raise Refused(_l("This inspection has no fix waiting to be confirmed."))
    audit.record(
        "inspection.fix_confirmed",
        inspection,
        actor=actor,
        after={"fixed_on": day.isoformat()},
        summary=_summary(inspection),
    )


# --- reading ---------------------------------------------------------------------------------


def _with_subject(query):
    return query.options(joinedload(Inspection.product), joinedload(Inspection.producer))


def inspections(limit: int = 200) -> list[Inspection]:
    """Planned inspections first (soonest first), then the recorded ones, newest first."""
    planned = db.session.scalars(
        _with_subject(sa.select(Inspection))
        .where(Inspection.outcome == InspectionOutcome.PENDING)
        .order_by(Inspection.planned_on, Inspection.id)
        .limit(limit)
    )
    recorded = db.session.scalars(
        _with_subject(sa.select(Inspection))
        .where(Inspection.outcome != InspectionOutcome.PENDING)
        .order_by(Inspection.done_on.desc(), Inspection.id.desc())
        .limit(limit)
    )
    return list(planned) + list(recorded)


def overdue_fixes(day: dt.date | None = None) -> list[Inspection]:
    """Fixes whose deadline passed before `day` (today) without staff confirming them."""
    day = day or clock.today()
    return list(
        db.session.scalars(
            _with_subject(sa.select(Inspection))
            .where(
                Inspection.outcome == InspectionOutcome.FIX_BY_DEADLINE,
                Inspection.fixed_on.is_(None),
                Inspection.fix_deadline < day,
            )
            .order_by(Inspection.fix_deadline, Inspection.id)
        )
    )


def last_inspection(product_id: int, producer_id: int) -> Inspection | None:
    """The latest recorded inspection of the product, or of its producer as a whole."""
    return db.session.scalar(
        sa.select(Inspection)
        .where(
            Inspection.outcome != InspectionOutcome.PENDING,
            sa.or_(
                Inspection.product_id == product_id,
                sa.and_(Inspection.product_id.is_(None), Inspection.producer_id == producer_id),
            ),
        )
        .order_by(Inspection.done_on.desc(), Inspection.id.desc())
        .limit(1)
    )
