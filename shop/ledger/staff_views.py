"""Staff and the money (/staff/money…): every producer's balances with a form for an
adjustment, the month's tax list (page and CSV for the accountant), and the cash carriers
collected on delivery against what they remitted. Views parse, call one service, render or
redirect; the services commit or refuse having written nothing.
"""

from __future__ import annotations

import secrets

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop import clock
from shop.access import staff_required
from shop.errors import Refused, attach_error
from shop.formatting import format_vnd
from shop.ledger import staff_services as services
from shop.ledger.forms import AdjustmentForm, RemittanceForm, parse_signed_dong
from shop.ledger.views import bp

MAX_UPLOAD = 1024 * 1024  # a remittance CSV: a megabyte is thousands of shipments


def _adjustment_form(form: AdjustmentForm | None = None) -> AdjustmentForm:
    form = form or AdjustmentForm(key=secrets.token_urlsafe(24))
    form.producer_id.choices = [(0, "—")] + [(p.id, p.name) for p in services.all_producers()]
    return form


def _money_page(form: AdjustmentForm, status: int = 200):
    return (
        render_template(
            "staff/money.html",
            rows=services.producer_balances(),
            form=form,
            today=clock.today(),
        ),
        status,
    )


@bp.get("/staff/money")
@staff_required
def money():
    """Every producer's balance: pending, available, paid out; and the adjustment form."""
    return _money_page(_adjustment_form())


@bp.post("/staff/money/adjustments")
@staff_required
def adjust():
    """Record an adjustment to a producer's balance, with its reason (audit-logged)."""
    form = _adjustment_form(AdjustmentForm())
    if not form.validate():
        return _money_page(form, 400)
    amount = parse_signed_dong(form.amount.data)
    try:
        written = services.adjust(
            form.producer_id.data, amount, form.reason.data, current_user, form.key.data
        )
    except Refused as error:
        attach_error(form, error)
        return _money_page(form, 400)
    if written:
        flash(str(_l("Adjustment of %(amount)s recorded.", amount=format_vnd(amount))), "success")
    else:
        flash(str(_l("This adjustment was recorded already.")), "info")
    return redirect(url_for(".money"))


def _month_or_refusal():
    try:
        return services.parse_month(request.args.get("month")), None
    except Refused as error:
        return services.parse_month(None), error


@bp.get("/staff/money/tax")
@staff_required
def tax_list():
    """What the shop withheld in a month per household seller (revenue, VAT, PIT)."""
    (year, month), error = _month_or_refusal()
    rows = services.tax_list(year, month)
    return (
        render_template(
            "staff/tax_list.html",
            rows=rows,
            year=year,
            month=month,
            error=error,
            totals={
                key: sum(getattr(r, key) for r in rows)
                for key in ("sales", "offset", "revenue", "vat", "pit")
            },
        ),
        400 if error else 200,
    )


@bp.get("/staff/money/tax.csv")
@staff_required
def tax_list_csv():
    """The month's tax list as CSV for the accountant (UTF-8 with a BOM for Excel)."""
    (year, month), error = _month_or_refusal()
    if error:
        return redirect(url_for(".tax_list", month=request.args.get("month")))
    body = services.tax_csv(year, month, services.tax_list(year, month))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="thue-khau-tru-{year}-{month:02d}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _cod_page(form: RemittanceForm, status: int = 200):
    show_all = request.args.get("all") == "1"
    return (
        render_template(
            "staff/cod.html",
            rows=services.cod_rows(include_settled=show_all),
            remittances=services.recent_remittances(),
            form=form,
            show_all=show_all,
        ),
        status,
    )


@bp.get("/staff/money/cod")
@staff_required
def cod():
    """Cash on delivery: what each delivered shipment was to bring, what carriers remitted."""
    return _cod_page(RemittanceForm(received_on=clock.today()))


def _uploaded_text(form: RemittanceForm) -> str | None:
    """The uploaded CSV's text; None if none was sent; Refused if it is not a text file."""
    upload = form.upload.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Refused(_l("The file is larger than 1 MB."), field="upload")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_l("The file is not a CSV text file (UTF-8)."), field="upload") from None
    if "\x00" in text:
        raise Refused(_l("The file is not a CSV text file (UTF-8)."), field="upload")
    return text


@bp.post("/staff/money/cod")
@staff_required
def record_remittance():
    """Record a carrier's remittance: the shipments (typed or a CSV) and what each brought."""
    form = RemittanceForm()
    if not form.validate():
        return _cod_page(form, 400)
    try:
        text = _uploaded_text(form)
        remittance = services.record_remittance(
            form.carrier.data,
            form.reference.data,
            form.received_on.data,
            text if text is not None else (form.lines.data or ""),
            current_user,
            form.note.data or "",
        )
    except Refused as error:
        attach_error(form, error)
        return _cod_page(form, 400)
    flash(
        str(
            _l(
                "Remittance %(reference)s recorded: %(count)s shipments.",
                reference=remittance.reference,
                count=len(remittance.lines),
            )
        ),
        "success",
    )
    return redirect(url_for(".cod"))
