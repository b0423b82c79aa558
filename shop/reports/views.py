"""The buyer's report form (from a product page or a verification page) and its thanks page.

Limited per client address and per reported product or number from everyone together. The
thanks page shows nothing the reporter wrote, and the same for a known and an unknown number.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from shop.catalog.services import get_listable_by_slug
from shop.errors import Refused, attach_error
from shop.extensions import limiter
from shop.i18n import current_language
from shop.reports import services
from shop.reports.forms import ReportForm
from shop.reports.models import MAX_NUMBER
from shop.text import fold

bp = Blueprint("reports", __name__)


def _limit(name: str):
    return lambda: current_app.config[name]


def _target_key() -> str:
    """One counter per reported product or number, whoever sends the reports."""
    target = (request.view_args or {}).get("slug") or (request.view_args or {}).get("number", "")
    return "label-report:" + "".join(fold(str(target)).split())[:MAX_NUMBER]


def _new(form: ReportForm) -> services.NewReport:
    photo = form.photo.data.read() if form.photo.data else None
    return services.NewReport(
        kind=form.kind.data,
        details=form.details.data,
        photo=photo or None,
        contact_email=form.contact_email.data,
        language=current_language(),
    )


def _form() -> ReportForm:
    form = ReportForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.contact_email.data = current_user.email  # a signed-in buyer's, unless changed
    return form


def _user():
    return current_user if current_user.is_authenticated else None


def _handle(form: ReportForm, submit, template: str, **context):
    if form.validate_on_submit():
        try:
            submit(_new(form))
        except Refused as error:
            attach_error(form, error)
        else:
            return redirect(url_for(".thanks"))
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


_LIMITS = (
    limiter.limit(
        _limit("LABEL_REPORT_LIMIT_PER_IP"), methods=["POST"], key_func=get_remote_address
    ),
    # Only reports received count against the product, so that one address being throttled
    # does not use up the product's allowance for everyone else.
    limiter.limit(
        _limit("LABEL_REPORT_LIMIT_PER_TARGET"),
        methods=["POST"],
        key_func=_target_key,
        deduct_when=lambda response: response.status_code == 302,
    ),
)


def _limited(view):
    for decorate in reversed(_LIMITS):
        view = decorate(view)
    return view


@bp.route("/p/<slug>/report", methods=["GET", "POST"])
@_limited
def product_report(slug: str):
    """Report a problem with the OCOP label of a product on sale."""
    found = get_listable_by_slug(slug)
    if found is None:
        abort(404)
    product, certificate = found
    return _handle(
        _form(),
        lambda new: services.report_product(product, certificate, new, _user()),
        "reports/report.html",
        product=product,
        number=certificate.number,
    )


@bp.route("/verify/<anytext:number>/report", methods=["GET", "POST"])
@_limited
def number_report(number: str):
    """Report a problem with the label carrying this certificate number (known or not)."""
    if len(number) > MAX_NUMBER:
        abort(404)
    return _handle(
        _form(),
        lambda new: services.report_number(number, new, _user()),
        "reports/report.html",
        product=None,
        number=number,
    )


@bp.get("/report/thanks")
def thanks():
    """Said to every reporter alike."""
    return render_template("reports/thanks.html")


from shop.reports import staff_views  # noqa: E402, F401  (its routes join this blueprint)


@bp.app_template_global()
def label_reports_waiting() -> int:
    """How many new reports wait for staff (the back office's tile)."""
    return services.open_count()
