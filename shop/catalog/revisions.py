"""What a certificate certifies is frozen: after approval, changes to it are revisions for staff.

The certified facts of a product are its name, its OCOP product set and its claims (net
content, ingredients, shelf life). Until a product's first certificate is approved, its
producer edits them freely. From then on (`Product.certified_at`), a change is a
`ProductRevision`: the product row keeps the approved values, so the storefront, search, the
API, the verification page and new orders all keep showing and selling what was certified,
until staff approve the revision (its values are then copied onto the product, in the same
transaction as the decision) or refuse it (with a reason the producer reads and is mailed).

A product has at most one pending revision; the producer's next edit updates it (its
`version` goes up) and an edit back to the approved values withdraws it. Staff decide on
the version they saw: the decision is one conditional UPDATE of the revision
(`WHERE status = 'pending' AND version = :seen`), so two staff clicking, or a producer
editing meanwhile, cannot apply a change twice or apply one nobody reviewed.

Locks: every use case that may change a product's certified facts or start its revision
first takes the product row (`lock_product`: a row lock on PostgreSQL, the write lock on
SQLite), then touches the revision; decisions that do not change the product (refuse,
withdraw) touch the revision only. One order, so they cannot deadlock.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.access import is_owner
from shop.accounts.models import User
from shop.catalog.models import Product, ProductRevision, ProductSet
from shop.enums import RevisionStatus
from shop.errors import Refused
from shop.extensions import db
from shop.labels import REVISION_FIELD_LABELS, REVISION_STATUS_LABELS
from shop.mail import queue_mail
from shop.transaction import use_case
from shop.urls import external_url

REASON_MAX = 2000


class RevisionRefused(Refused):
    """A revision action that cannot be done; nothing was written."""


@dataclass(frozen=True)
class CertifiedFacts:
    """What a certificate certifies about a product (or what a revision proposes)."""

    name: str
    product_set_code: int
    net_content: str = ""
    ingredients: str = ""
    shelf_life: str = ""

    @classmethod
    def of(cls, source: Product | ProductRevision) -> CertifiedFacts:
        """The facts of a product (as approved) or of a revision (as proposed)."""
        return cls(**{f.name: getattr(source, f.name) for f in dataclasses.fields(cls)})

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def changed_fields(self, other: CertifiedFacts) -> list[str]:
        """The names of the facts that differ in `other`, in display order."""
        mine, theirs = self.as_dict(), other.as_dict()
        return [name for name in mine if mine[name] != theirs[name]]

    def difference(self, other: CertifiedFacts) -> tuple[dict, dict]:
        """(before, after) of the facts that differ, for the audit log."""
        changed = self.changed_fields(other)
        mine, theirs = self.as_dict(), other.as_dict()
        return {k: mine[k] for k in changed}, {k: theirs[k] for k in changed}

    def apply_to(self, target: Product | ProductRevision) -> None:
        for name, value in self.as_dict().items():
            setattr(target, name, value)


def fingerprint(product: Product) -> str:
    """A short digest of the product's certified facts, for forms that must act on what the
    person saw (the certificate review): a change in between gives another digest."""
    text = "\x1f".join(str(value) for value in CertifiedFacts.of(product).as_dict().values())
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def lock_product(product: Product) -> Product:
    """Take the product's row for this transaction and reload it.

    A no-op UPDATE: on PostgreSQL it locks the row (a concurrent use case waits for our
    commit, then sees it), on SQLite it takes the database's write lock. Call it first.
    """
    db.session.execute(
        sa.update(Product)
        .where(Product.id == product.id)
        .values(updated_at=Product.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(product)
    return product


def is_certified(product: Product) -> bool:
    """The product has (or had) an approved certificate: its facts change by revision only."""
    return product.certified_at is not None


def pending_revision(product: Product) -> ProductRevision | None:
    """The product's revision waiting for staff, if any (read fresh)."""
    return db.session.scalar(
        sa.select(ProductRevision)
        .where(
            ProductRevision.product_id == product.id,
            ProductRevision.status == RevisionStatus.PENDING,
        )
        .execution_options(populate_existing=True)
    )


def latest_revision(product: Product) -> ProductRevision | None:
    """The product's newest revision, whatever its state (the producer's page shows it)."""
    return db.session.scalar(
        sa.select(ProductRevision)
        .where(ProductRevision.product_id == product.id)
        .order_by(ProductRevision.id.desc())
        .limit(1)
    )


# --- the producer's side ---------------------------------------------------------------------


class Outcome:
    """What became of the certified facts a producer saved."""

    APPLIED = "applied"  # not certified yet: changed directly
    UNCHANGED = "unchanged"
    PROPOSED = "proposed"
    PROPOSAL_UPDATED = "proposal_updated"
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"


def change_facts(product: Product, facts: CertifiedFacts, actor: User) -> tuple[str, dict, dict]:
    """Save the certified facts a producer typed, within its use case (the product locked).

    Returns (outcome, before, after): `before`/`after` are the facts changed directly on the
    product (for the caller's audit entry); a revision writes its own entries.
    """
    approved = CertifiedFacts.of(product)
    if not is_certified(product):
        before, after = approved.difference(facts)
        facts.apply_to(product)
        return (Outcome.APPLIED if after else Outcome.UNCHANGED), before, after
    pending = pending_revision(product)
    if facts == approved:
        if pending is None:
            return Outcome.UNCHANGED, {}, {}
        _withdraw(pending, actor)
        return Outcome.PROPOSAL_WITHDRAWN, {}, {}
    if pending is None:
        _propose(product, facts, actor)
        return Outcome.PROPOSED, {}, {}
    if CertifiedFacts.of(pending) == facts:
        return Outcome.UNCHANGED, {}, {}
    _update_proposal(product, pending, facts, actor)
    return Outcome.PROPOSAL_UPDATED, {}, {}


def _propose(product: Product, facts: CertifiedFacts, actor: User) -> ProductRevision:
    revision = ProductRevision(
        product=product, proposed_by_id=actor.id, status=RevisionStatus.PENDING
    )
    facts.apply_to(revision)
    db.session.add(revision)
    db.session.flush()
    before, after = CertifiedFacts.of(product).difference(facts)
    audit.record(
        "product.revision_proposed",
        product,
        actor=actor,
        before=before,
        after=after,
        summary=f"{product.name} · #{revision.id}",
    )
    return revision


def _update_proposal(
    product: Product, pending: ProductRevision, facts: CertifiedFacts, actor: User
) -> None:
    previous = CertifiedFacts.of(pending)
    changed = db.session.execute(
        sa.update(ProductRevision)
        .where(
            ProductRevision.id == pending.id,
            ProductRevision.status == RevisionStatus.PENDING,
        )
        .values(
            **facts.as_dict(),
            version=ProductRevision.version + 1,
            updated_at=clock.utcnow(),
            proposed_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # staff decided on it a moment ago (a refusal does not lock the product)
        raise RevisionRefused(
            _l(
                "Staff have just decided on your earlier change. Nothing was saved: read "
                "their answer on the product's page, then edit again."
            )
        )
    db.session.refresh(pending)
    before, after = previous.difference(facts)
    audit.record(
        "product.revision_updated",
        product,
        actor=actor,
        before=before,
        after=after,
        summary=f"{product.name} · #{pending.id} v{pending.version}",
    )


def _claim(revision: ProductRevision, target: RevisionStatus, **conditions) -> bool:
    """Move a pending revision to `target` by one conditional UPDATE; True if this call did."""
    query = sa.update(ProductRevision).where(
        ProductRevision.id == revision.id,
        ProductRevision.status == RevisionStatus.PENDING,
    )
    if "version" in conditions:
        query = query.where(ProductRevision.version == conditions.pop("version"))
    changed = db.session.execute(
        query.values(status=target, **conditions).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(revision)
    return changed == 1


def _withdraw(pending: ProductRevision, actor: User) -> None:
    if not _claim(pending, RevisionStatus.WITHDRAWN, decided_at=clock.utcnow()):
        raise _no_longer_pending(pending)
    audit.record(
        "product.revision_withdrawn",
        pending.product,
        actor=actor,
        before={"status": RevisionStatus.PENDING.value},
        after={"status": RevisionStatus.WITHDRAWN.value},
        summary=f"{pending.product.name} · #{pending.id}",
    )


@use_case
def withdraw(product: Product, actor: User) -> None:
    """The producer takes back the change waiting for review; the approved values stay."""
    pending = pending_revision(product)
    if pending is None:
        raise RevisionRefused(
            _l("No change of this product is waiting for review (it may just have been decided).")
        )
    _withdraw(pending, actor)


def _no_longer_pending(revision: ProductRevision) -> RevisionRefused:
    return RevisionRefused(
        _l(
            "This change is no longer waiting for review (it is now: %(status)s).",
            status=REVISION_STATUS_LABELS[revision.status],
        )
    )


# --- the staff's side ------------------------------------------------------------------------


def review_queue() -> list[ProductRevision]:
    """Pending revisions, oldest first, with their product and producer."""
    return list(
        db.session.scalars(
            sa.select(ProductRevision)
            .where(ProductRevision.status == RevisionStatus.PENDING)
            .options(
                joinedload(ProductRevision.product).joinedload(Product.producer),
                joinedload(ProductRevision.product).joinedload(Product.product_set),
                joinedload(ProductRevision.product_set),
            )
            .order_by(ProductRevision.proposed_at, ProductRevision.id)
        )
    )


def reviewer_conflict(revision: ProductRevision, reviewer: User) -> bool:
    """The reviewer owns the producer: another staff member must decide."""
    return is_owner(reviewer, revision.product.producer_id)


def _check_reviewer(revision: ProductRevision, reviewer: User) -> None:
    if not reviewer.is_staff:
        raise PermissionError("only staff decide on revisions")
    if reviewer_conflict(revision, reviewer):
        raise RevisionRefused(
            _l("You belong to this producer, so another staff member must decide on its change.")
        )


def _not_decided(revision: ProductRevision) -> RevisionRefused:
    """Why a decision's conditional UPDATE changed nothing."""
    if revision.status != RevisionStatus.PENDING:
        return _no_longer_pending(revision)
    return RevisionRefused(
        _l(
            "The producer changed this proposal while you were looking at it. "
            "Nothing was decided: check the new values, then decide again."
        )
    )


@use_case
def approve(revision: ProductRevision, reviewer: User, seen_version: int) -> None:
    """Staff accept the change: the product takes the proposed values in this transaction."""
    _check_reviewer(revision, reviewer)
    product = lock_product(revision.product)
    decided = _claim(
        revision,
        RevisionStatus.APPROVED,
        version=seen_version,
        decided_by_id=reviewer.id,
        decided_at=clock.utcnow(),
    )
    if not decided:
        raise _not_decided(revision)
    approved = CertifiedFacts.of(product)
    before, after = approved.difference(CertifiedFacts.of(revision))
    CertifiedFacts.of(revision).apply_to(product)
    audit.record(
        "product.revision_approved",
        product,
        actor=reviewer,
        before=before,
        after=after,
        summary=f"{product.name} · #{revision.id} v{revision.version}",
    )
    _notify_producer(revision, approved)


@use_case
def refuse(revision: ProductRevision, reviewer: User, seen_version: int, reason: str) -> None:
    """Staff turn the change down with a reason; the product keeps its approved values."""
    _check_reviewer(revision, reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise RevisionRefused(_l("Please give the producer a reason."), "reason")
    if len(reason) > REASON_MAX:
        raise RevisionRefused(_l("At most %(n)s characters.", n=REASON_MAX), "reason")
    decided = _claim(
        revision,
        RevisionStatus.REFUSED,
        version=seen_version,
        decided_by_id=reviewer.id,
        decided_at=clock.utcnow(),
        decision_reason=reason,
    )
    if not decided:
        raise _not_decided(revision)
    audit.record(
        "product.revision_refused",
        revision.product,
        actor=reviewer,
        before={"status": RevisionStatus.PENDING.value},
        after={"status": RevisionStatus.REFUSED.value, **CertifiedFacts.of(revision).as_dict()},
        reason=reason,
        summary=f"{revision.product.name} · #{revision.id} v{revision.version}",
    )
    _notify_producer(revision)


def _notify_producer(revision: ProductRevision, approved: CertifiedFacts | None = None) -> None:
    """Queue the decision's e-mail (the outbox delivers it once the decision commits);
    `approved` is what the product showed before the decision."""
    owner = revision.product.producer.owner
    with force_locale(owner.preferred_language or "vi"):
        link = external_url("producers.edit_product", product_id=revision.product_id)
        subject = _email_subject(revision)
        body = render_template(
            "catalog/email/revision.txt",
            revision=revision,
            changes=changes_for_display(revision, approved),
            link=link,
            user=owner,
        )
    queue_mail(owner.email, subject, body)


def _email_subject(revision: ProductRevision) -> str:
    name = revision.product.name
    if revision.status == RevisionStatus.APPROVED:
        return gettext("Your change to “%(product)s” was approved", product=name)
    return gettext("Your change to “%(product)s” was refused", product=name)


# --- showing a revision ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One certified fact, approved and proposed, as the side-by-side view shows it."""

    field: str
    label: str
    approved: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.approved != self.proposed


def changes_for_display(
    revision: ProductRevision, approved: CertifiedFacts | None = None
) -> list[Change]:
    """Every certified fact with its approved and proposed value, product sets by name.

    `approved` defaults to the product's current values (the approved version, which only
    this revision's approval can change while it is pending).
    """
    approved = approved or CertifiedFacts.of(revision.product)
    proposed = CertifiedFacts.of(revision)
    codes = {approved.product_set_code, proposed.product_set_code}
    sets = {
        s.code: s
        for s in db.session.scalars(sa.select(ProductSet).where(ProductSet.code.in_(codes)))
    }

    def shown(facts: CertifiedFacts, field: str) -> str:
        value = getattr(facts, field)
        if field == "product_set_code":
            found = sets.get(value)
            return f"{value}. {found.name}" if found else str(value)
        return value

    return [
        Change(field, str(label), shown(approved, field), shown(proposed, field))
        for field, label in REVISION_FIELD_LABELS.items()
    ]


# --- certificate approval ---------------------------------------------------------------------


def record_certification(certificate, product: Product) -> None:
    """An approved certificate records the name and set it certifies, and the product becomes
    certified (its facts frozen). Called by certification.services.approve, product locked."""
    certificate.product_name = product.name
    certificate.product_set_code = product.product_set_code
    if product.certified_at is None:
        product.certified_at = clock.utcnow()
