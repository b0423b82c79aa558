"""Staff review of product revisions: the queue, the side-by-side page, approve or refuse.

The producer's side (propose by editing, withdraw) is on the product's page in
shop/producers/listings.py; the use cases are in shop/catalog/revisions.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput

from shop.access import staff_required
from shop.catalog import revisions
from shop.catalog.models import Product, ProductRevision
from shop.certification.models import Certificate
from shop.enums import CertificateStatus
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.forms_common import max_length
from shop.labels import (
    CERTIFICATE_STATUS_LABELS,
    ISSUING_LEVEL_SHORT,
    REVISION_FIELD_LABELS,
    REVISION_STATUS_LABELS,
)

bp = Blueprint("revisions", __name__, url_prefix="/staff/revisions")

DONE = {
    "approve": _l("Change approved: the shop now shows the new details."),
    "refuse": _l("Change refused: the producer has been told why."),
}


class DecisionForm(FlaskForm):
    version = IntegerField(
        widget=HiddenInput(),
        validators=[
            InputRequired(message=_l("This page is out of date. Reload it and try again."))
        ],
    )
    reason = TextAreaField(
        _l("Reason for the producer (needed to refuse)"),
        validators=[Optional(), max_length(revisions.REASON_MAX)],
        render_kw={"rows": 3},
    )


def _revision(revision_id: int) -> ProductRevision:
    revision = db.session.get(ProductRevision, revision_id)
    if revision is None:
        abort(404)
    return revision


def _certificates(product: Product) -> list[Certificate]:
    """The certificates staff approved for the product (approved or since revoked), newest
    first: the first is the one the shop shows, beside its scan."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.product_id == product.id,
                Certificate.status.in_([CertificateStatus.APPROVED, CertificateStatus.REVOKED]),
            )
            .order_by(Certificate.decision_date.desc(), Certificate.id.desc())
        )
    )


@bp.get("/")
@staff_required
def queue():
    """Changes to certified products waiting for a decision, oldest first."""
    waiting = revisions.review_queue()
    changed = {
        r.id: [
            REVISION_FIELD_LABELS[name]
            for name in revisions.CertifiedFacts.of(r.product).changed_fields(
                revisions.CertifiedFacts.of(r)
            )
        ]
        for r in waiting
    }
    return render_template("staff/revisions.html", revisions=waiting, changed=changed)


@bp.get("/<int:revision_id>")
@staff_required
def review(revision_id: int):
    """The approved and the proposed facts side by side, next to the certificate's scan."""
    revision = _revision(revision_id)
    certificates = _certificates(revision.product)
    return render_template(
        "staff/revision.html",
        revision=revision,
        product=revision.product,
        changes=revisions.changes_for_display(revision),
        certificate=certificates[0] if certificates else None,
        others=certificates[1:],
        form=DecisionForm(formdata=None, data={"version": revision.version}),
        labels=REVISION_STATUS_LABELS,
        certificate_labels=CERTIFICATE_STATUS_LABELS,
        level_labels=ISSUING_LEVEL_SHORT,
        conflict=revisions.reviewer_conflict(revision, current_user),
    )


@bp.post("/<int:revision_id>/<any(approve, refuse):action>")
@staff_required
def decide(revision_id: int, action: str):
    """Approve (the product takes the proposed values) or refuse with a reason; audited."""
    revision = _revision(revision_id)
    back = url_for(".review", revision_id=revision.id)
    form = DecisionForm()
    if not form.validate():
        flash_error(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            "reason" if "reason" in form.errors else None,
        )
        return redirect(back)
    staff = current_user._get_current_object()
    try:
        if action == "approve":
            revisions.approve(revision, staff, form.version.data)
        else:
            revisions.refuse(revision, staff, form.version.data, form.reason.data or "")
    except Refused as error:  # the revision page's refusal form has the field `reason`
        attach_error(None, error, field_id=error.field)
        return redirect(back)
    flash(str(DONE[action]), "success")
    return redirect(url_for(".queue"))


@bp.app_template_global()
def certified_fingerprint(product: Product) -> str:
    """The digest of a product's certified facts, posted with a certificate approval."""
    return revisions.fingerprint(product)


@bp.app_template_global()
def revision_waiting(product: Product) -> ProductRevision | None:
    """The product's change waiting for review (the certificate review page links to it)."""
    return revisions.pending_revision(product)
