"""Staff and payouts (/staff/payouts…): who the next batch would pay, making a batch, its
file for the bank's bulk transfer, and marking each line paid or failed.

The routes join the payouts blueprint; the use cases are in batches.py (each commits, or
refuses having written nothing). Every action is audited there.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.access import staff_required
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.payouts import batches
from shop.payouts.banks import short_name
from shop.payouts.forms import BatchForm, LineFailedForm
from shop.payouts.models import PayoutBatch, PayoutLine
from shop.payouts.views import bp


@bp.get("/staff/payouts")
@staff_required
def staff_batches():
    """Who the next batch would pay, who it would leave out and why, and the batches made."""
    paid, left_out = batches.preview()
    return render_template(
        "payouts/staff_batches.html",
        form=BatchForm(),
        paid=paid,
        left_out=left_out,
        minimum=batches.minimum(),
        rows=batches.all_batches(),
    )


@bp.post("/staff/payouts")
@staff_required
def create_batch():
    """Make a batch of every available balance of at least the minimum."""
    form = BatchForm()
    if not form.validate():
        flash_error(_("The form expired: try again."))
        return redirect(url_for(".staff_batches"))
    try:
        batch = batches.create_batch(current_user._get_current_object())
    except Refused as error:
        attach_error(None, error)
        return redirect(url_for(".staff_batches"))
    flash(
        _("Payout batch %(number)s is ready: download its file for the bank.", number=batch.number),
        "success",
    )
    return redirect(url_for(".staff_batch", batch_id=batch.id))


@bp.get("/staff/payouts/<int:batch_id>")
@staff_required
def staff_batch(batch_id: int):
    """A batch's lines, each to mark paid or failed, and who was left out."""
    batch = db.get_or_404(PayoutBatch, batch_id)
    return render_template(
        "payouts/staff_batch.html",
        batch=batch,
        lines=batches.batch_lines(batch.id),
        skipped=batches.skipped_of(batch),
        form=BatchForm(),
        failed_form=LineFailedForm(),
        bank_name=short_name,
    )


@bp.get("/staff/payouts/<int:batch_id>/bank.csv")
@staff_required
def bank_file(batch_id: int):
    """The batch's unpaid lines as a bulk-transfer file for the bank."""
    batch = db.get_or_404(PayoutBatch, batch_id)
    return Response(
        batches.bank_csv(batch),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{batch.number}.csv"'},
    )


@bp.post("/staff/payouts/lines/<int:line_id>/paid")
@staff_required
def line_paid(line_id: int):
    """The bank paid this line."""
    line = db.get_or_404(PayoutLine, line_id)
    form = BatchForm()
    back = url_for(".staff_batch", batch_id=line.batch_id)
    if not form.validate():
        flash_error(_("The form expired: try again."))
        return redirect(back)
    try:
        batches.mark_paid(line, current_user._get_current_object())
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("Marked paid: %(name)s.", name=line.producer.name), "success")
    return redirect(back)


@bp.post("/staff/payouts/lines/<int:line_id>/failed")
@staff_required
def line_failed(line_id: int):
    """The bank refused this line: its amount goes back to the producer's balance."""
    line = db.get_or_404(PayoutLine, line_id)
    form = LineFailedForm()
    back = url_for(".staff_batch", batch_id=line.batch_id)
    if not form.validate():
        flash_error(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            f"reason-{line.id}" if "reason" in form.errors else None,
        )
        return redirect(back)
    try:
        batches.mark_failed(line, current_user._get_current_object(), form.reason.data)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(
            _(
                "Marked failed: %(name)s. The amount is back on its balance.",
                name=line.producer.name,
            ),
            "success",
        )
    return redirect(back)
