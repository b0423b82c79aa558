"""The programme office's staff pages (/staff/programme/…): the year report (on screen with
charts, printable, as CSV), the certificates to re-recognise with reminders, and the
inspections (plan, record with files and an outcome, confirm a fix).

Each POST parses its form and calls one use case (shop/programme/services.py, renewals.py);
refusals come back on the form or as a flashed message, having written nothing.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop import clock, geo
from shop.access import staff_required
from shop.catalog.models import Product
from shop.certification import services as certification
from shop.certification.downloads import DOWNLOAD_HEADERS
from shop.certification.models import Certificate
from shop.certification.scans import page_file, scans_root
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.formatting import format_vnd
from shop.labels import CERTIFICATE_STATUS_LABELS
from shop.orders import charts
from shop.producers.models import Producer
from shop.programme import renewals, services, year_report
from shop.programme.forms import ActionForm, PlanForm, RecordForm
from shop.programme.models import Inspection, InspectionAttachment, InspectionOutcome
from shop.programme.views import bp

STYLESHEET = "css/programme.css"


# --- the year report -------------------------------------------------------------------------


def _chart(rows, chart_id: str, title: str, money: bool = False):
    bars = [
        charts.Bar(row.label, row.value, format_vnd(row.value) if money else str(row.value))
        for row in rows
    ]
    if not bars:
        return None
    return charts.row_chart(
        bars,
        chart_id=chart_id,
        title=title,
        description=_("One bar per line of the table beside it, which gives the figures."),
    )


def _report_charts(report: year_report.YearReport) -> dict:
    sales = [year_report.Row(g.key, g.label, g.revenue) for g in report.sales_by_group]
    return {
        "stars": _chart(report.by_stars, "by-stars", _("Certificates by stars")),
        "level": _chart(report.by_level, "by-level", _("Certificates by issuing level")),
        "group": _chart(report.by_group, "by-group", _("Certificates by OCOP group")),
        "legal_form": _chart(report.by_legal_form, "by-legal-form", _("Producers by legal form")),
        "sales": _chart(sales, "sales-by-group", _("Revenue by OCOP group"), money=True),
    }


@bp.get("/staff/programme/report")
@staff_required
def year_report_page():
    """The year report for the year and area chosen in the query string."""
    error = None
    report = None
    try:
        year, area = year_report.parse(request.args)
    except Refused as refused:
        error = refused
        year, area = clock.today().year, year_report.Area()
    else:
        report = year_report.build(year, area)
    province = area.province_code or (
        int(request.args["province"])
        if request.args.get("province", "").isdigit()
        and geo.is_valid_province(int(request.args["province"]))
        else None
    )
    return render_template(
        "programme/report.html",
        report=report,
        charts=_report_charts(report) if report else {},
        error=error,
        year=year,
        area=area,
        years=list(range(clock.today().year, year_report.FIRST_YEAR - 1, -1))[:12],
        provinces=geo.provinces(),
        wards=geo.wards(province) if province else [],
        chosen_province=province,
        stylesheet=STYLESHEET,
    ), (400 if error else 200)


@bp.get("/staff/programme/report.csv")
@staff_required
def year_report_csv():
    """The same report as a spreadsheet (UTF-8 with a BOM, for Excel)."""
    try:
        year, area = year_report.parse(request.args)
    except Refused as refused:
        abort(400, description=str(refused.message))
    report = year_report.build(year, area)
    return Response(
        year_report.to_csv(report),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="bao-cao-ocop-{year}-{area.slug}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


# --- re-recognition before expiry --------------------------------------------------------------


@bp.get("/staff/programme/renewals")
@staff_required
def renewals_page():
    """Every certificate expiring in the next six months, its renewal and the contact."""
    return render_template(
        "programme/renewals.html",
        due=renewals.due(),
        form=ActionForm(),
        months=renewals.HORIZON_MONTHS,
        stylesheet=STYLESHEET,
    )


@bp.post("/staff/programme/renewals/<int:certificate_id>/remind")
@staff_required
def remind(certificate_id: int):
    """E-mail the producer to renew (once a day at most), logged."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if not ActionForm().validate():
        flash_error(_l("The form expired. Please try again."))
        return redirect(url_for(".renewals_page"))
    try:
        renewals.remind(certificate, current_user)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("Reminder sent to %(producer)s.", producer=certificate.producer.name), "success")
    return redirect(url_for(".renewals_page") + f"#certificate-{certificate.id}")


# --- inspections -------------------------------------------------------------------------------


@bp.get("/staff/programme/inspections")
@staff_required
def inspections():
    """Planned and recorded inspections; find a certificate's product to plan one."""
    number = request.args.get("number", "").strip()[:80]
    found = certification.find_certificates("approved", number, limit=20) if number else []
    return render_template(
        "programme/inspections.html",
        inspections=services.inspections(),
        number=number,
        found=found,
        today=clock.today(),
        stylesheet=STYLESHEET,
    )


def _subject(args) -> tuple[Product | None, Producer | None]:
    product_id = args.get("product_id") or args.get("product")
    producer_id = args.get("producer_id") or args.get("producer")
    if product_id and str(product_id).isdigit():
        product = db.session.get(Product, int(product_id)) if int(product_id) < 2**31 else None
        if product is None:
            abort(404)
        return product, product.producer
    if producer_id and str(producer_id).isdigit():
        producer = db.session.get(Producer, int(producer_id)) if int(producer_id) < 2**31 else None
        if producer is None:
            abort(404)
        return None, producer
    return None, None  # nothing named: find it on the inspections page first


@bp.route("/staff/programme/inspections/new", methods=["GET", "POST"])
@staff_required
def plan():
    """Plan a routine or unannounced inspection of a product or of a producer."""
    product, producer = _subject(request.form if request.method == "POST" else request.args)
    if producer is None:
        return redirect(url_for(".inspections"))
    form = PlanForm()
    if request.method == "GET":
        form.planned_on.data = clock.today()
    if form.validate_on_submit():
        try:
            inspection = services.plan_inspection(
                product or producer, form.kind.data, form.planned_on.data, current_user
            )
        except Refused as error:
            attach_error(form, error)
        else:
            flash(_("Inspection planned."), "success")
            return redirect(url_for(".inspection", inspection_id=inspection.id))
    return render_template(
        "programme/plan.html",
        form=form,
        product=product,
        producer=producer,
        stylesheet=STYLESHEET,
    )


def _record_form(inspection: Inspection) -> RecordForm:
    form = RecordForm()
    if request.method == "GET":
        form.done_on.data = clock.today()
        form.inspector.data = current_user.full_name
    return form


@bp.get("/staff/programme/inspections/<int:inspection_id>")
@staff_required
def inspection(inspection_id: int):
    """One inspection: what was planned, what was found, its files; the record form."""
    found = db.get_or_404(Inspection, inspection_id)
    return _inspection_page(found, _record_form(found))


def _inspection_page(found: Inspection, form: RecordForm, status: int = 200):
    return render_template(
        "programme/inspection.html",
        inspection=found,
        form=form,
        action_form=ActionForm(),
        certificates=_certificates_of(found),
        certificate_labels=CERTIFICATE_STATUS_LABELS,
        today=clock.today(),
        stylesheet=STYLESHEET,
    ), status


def _certificates_of(found: Inspection) -> list[Certificate]:
    if found.product is not None:
        return sorted(found.product.certificates, key=lambda c: c.decision_date, reverse=True)
    return []


@bp.post("/staff/programme/inspections/<int:inspection_id>/record")
@staff_required
def record(inspection_id: int):
    """Write down the inspection once: day, inspector, findings, files, outcome."""
    found = db.get_or_404(Inspection, inspection_id)
    form = _record_form(found)
    if not form.validate_on_submit():
        return _inspection_page(found, form, 400)
    outcome = InspectionOutcome(form.outcome.data)
    if outcome == InspectionOutcome.REVOKE and not form.confirm_revoke.data:
        form.confirm_revoke.errors = [_("Tick the box to confirm the revocation.")]
        return _inspection_page(found, form, 400)
    files = [upload.read() for upload in (form.files.data or []) if upload and upload.filename]
    try:
        services.record_inspection(
            found,
            current_user,
            services.Record(
                done_on=form.done_on.data,
                inspector=form.inspector.data,
                findings=form.findings.data,
                outcome=outcome,
                fix_deadline=form.fix_deadline.data,
                files=files,
            ),
        )
    except Refused as error:
        attach_error(form, error)
        return _inspection_page(found, form, 400)
    if outcome == InspectionOutcome.REVOKE:
        flash(
            _("Inspection recorded; the certificate was revoked and the product is off the shop."),
            "success",
        )
    else:
        flash(_("Inspection recorded."), "success")
    return redirect(url_for(".inspection", inspection_id=found.id))


@bp.post("/staff/programme/inspections/<int:inspection_id>/fixed")
@staff_required
def confirm_fix(inspection_id: int):
    """Staff confirm that the fix asked for was made."""
    found = db.get_or_404(Inspection, inspection_id)
    if not ActionForm().validate():
        flash_error(_l("The form expired. Please try again."))
    else:
        try:
            services.confirm_fix(found, current_user)
        except Refused as error:
            attach_error(None, error)
        else:
            flash(_("Fix confirmed."), "success")
    return redirect(url_for(".inspection", inspection_id=found.id))


def _attachment(inspection_id: int, attachment_id: int) -> InspectionAttachment:
    attachment = db.get_or_404(InspectionAttachment, attachment_id)
    if attachment.inspection_id != inspection_id:
        abort(404)
    return attachment


@bp.get("/staff/programme/inspections/<int:inspection_id>/files/<int:attachment_id>")
@staff_required
def attachment_file(inspection_id: int, attachment_id: int):
    """A file as it was sent, as a download (never shown inline)."""
    attachment = _attachment(inspection_id, attachment_id)
    extension = attachment.path.rsplit(".", 1)[-1]
    response = send_from_directory(
        scans_root(),
        attachment.path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=f"inspection-{inspection_id}-{attachment.id}.{extension}",
    )
    response.headers.update(DOWNLOAD_HEADERS)
    response.headers.pop("Expires", None)
    return response


@bp.get("/staff/programme/inspections/<int:inspection_id>/files/<int:attachment_id>/<int:page>.png")
@staff_required
def attachment_page(inspection_id: int, attachment_id: int, page: int):
    """A page of a file, drawn by the shop when it was stored: what staff look at."""
    attachment = _attachment(inspection_id, attachment_id)
    path = page_file(attachment.path, page)
    if path is None:
        abort(404)
    response = send_from_directory(path.parent, path.name, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
