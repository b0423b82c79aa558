"""The staff queue of buyers' label reports: read one, open an inspection, close it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import clock
from shop.access import staff_required
from shop.errors import Refused, attach_error
from shop.extensions import db
from shop.media import media_root
from shop.reports import services
from shop.reports.forms import CloseForm, InspectForm
from shop.reports.models import LabelReport
from shop.reports.views import bp


def _report_or_404(report_id: int) -> LabelReport:
    report = db.session.get(LabelReport, report_id)
    if report is None:
        abort(404)
    return report


@bp.get("/staff/reports")
@staff_required
def queue():
    """Open reports, oldest first (or one status: ?status=closed)."""
    status = request.args.get("status")
    return render_template(
        "reports/staff_queue.html",
        reports=services.queue(status),
        status=status if status in services.STATUS_LABELS else None,
        kinds=services.KIND_LABELS,
        statuses=services.STATUS_LABELS,
    )


def _detail(report: LabelReport, inspect_form=None, close_form=None, status=200):
    inspect_form = inspect_form or InspectForm(formdata=None, data={"planned_on": clock.today()})
    return (
        render_template(
            "reports/staff_report.html",
            report=report,
            inspect_form=inspect_form,
            close_form=close_form or CloseForm(formdata=None),
            kinds=services.KIND_LABELS,
            statuses=services.STATUS_LABELS,
            outcomes=services.OUTCOME_LABELS,
        ),
        status,
    )


@bp.get("/staff/reports/<int:report_id>")
@staff_required
def report(report_id: int):
    """One report, what it is about, and what staff can do with it."""
    return _detail(_report_or_404(report_id))


@bp.get("/staff/reports/<int:report_id>/photo.jpg")
@staff_required
def photo(report_id: int):
    """The reporter's photo (cleaned of its metadata on upload): staff only, never cached."""
    report = _report_or_404(report_id)
    if not report.photo_key:
        abort(404)
    key = report.photo_key
    response = send_from_directory(media_root() / key[:2], f"{key}.jpg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/staff/reports/<int:report_id>/inspect")
@staff_required
def inspect(report_id: int):
    """Open an inspection of the reported product."""
    report = _report_or_404(report_id)
    form = InspectForm()
    if not form.validate():
        return _detail(report, inspect_form=form, status=400)
    try:
        services.open_inspection(report, current_user, form.kind.data, form.planned_on.data)
    except Refused as error:
        attach_error(form, error)
        return _detail(report, inspect_form=form, status=400)
    flash(_("The inspection is planned; the report waits for its outcome."), "success")
    return redirect(url_for(".report", report_id=report.id))


@bp.post("/staff/reports/<int:report_id>/close")
@staff_required
def close(report_id: int):
    """Close the report with its outcome (the reporter is told, if they left an e-mail)."""
    report = _report_or_404(report_id)
    form = CloseForm()
    if not form.validate():
        return _detail(report, close_form=form, status=400)
    try:
        services.close(report, current_user, form.outcome.data, form.answer.data)
    except Refused as error:
        attach_error(form, error)
        return _detail(report, close_form=form, status=400)
    flash(_("The report is closed."), "success")
    return redirect(url_for(".queue"))
