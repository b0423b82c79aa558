"""The producer's money: balances, the payout account, monthly statements (page, CSV, A4).

Every page acts on the signed-in producer only (shop.access.producer_required); the use
cases are in account.py, batches.py and statements.py.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import clock
from shop.access import producer_required
from shop.errors import Refused, attach_error
from shop.payouts import account as accounts
from shop.payouts import statements
from shop.payouts.banks import short_name
from shop.payouts.forms import PayoutAccountForm

bp = Blueprint("payouts", __name__)


@bp.get("/producer/payouts")
@producer_required
def overview():
    """Balances pending / available / paid, the payout account, and the statements."""
    producer = current_user.producer
    payout_account = accounts.account_of(producer.id)
    return render_template(
        "payouts/overview.html",
        producer=producer,
        balances=statements.balances_of(producer.id),
        payout_account=payout_account,
        held=accounts.is_held(payout_account),
        months=statements.months_with_entries(producer.id),
        lines=statements.recent_payouts(producer.id),
        bank_name=short_name,
        masked=accounts.masked,
    )


@bp.route("/producer/payouts/account", methods=["GET", "POST"])
@producer_required
def account():
    """Set or change the bank account payouts go to (password, e-mail, 48-hour hold)."""
    producer = current_user.producer
    current = accounts.account_of(producer.id)
    form = PayoutAccountForm()
    if form.validate_on_submit():
        try:
            accounts.set_payout_account(
                producer,
                current_user._get_current_object(),
                password=form.password.data,
                bank_bin=form.bank_bin.data,
                account_number=form.account_number.data,
                holder_name=form.holder_name.data,
            )
        except Refused as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Your payout account is saved. For your safety, payouts wait %(hours)s hours; "
                    "we sent you an e-mail.",
                    hours=accounts.hold_hours(),
                ),
                "success",
            )
            return redirect(url_for(".overview"))
    form.password.data = ""
    return render_template(
        "payouts/account.html",
        form=form,
        current=current,
        held=accounts.is_held(current),
        bank_name=short_name,
        masked=accounts.masked,
        hours=accounts.hold_hours(),
    )


def _month(text: str) -> dt.date:
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        abort(404)
    if month > clock.today() or month.year < 2000:
        abort(404)
    return month


@bp.get("/producer/statements/<month>")
@producer_required
def statement(month: str):
    """One month's statement: each shipment's sale, commission, tax withheld and net."""
    producer = current_user.producer
    return render_template(
        "payouts/statement.html",
        producer=producer,
        statement=statements.statement(producer.id, _month(month)),
        printable=False,
    )


@bp.get("/producer/statements/<month>/print")
@producer_required
def statement_print(month: str):
    """The statement on an A4 page, for the browser's Print."""
    producer = current_user.producer
    return render_template(
        "payouts/statement_print.html",
        producer=producer,
        statement=statements.statement(producer.id, _month(month)),
        printable=True,
    )


@bp.get("/producer/statements/<month>/csv")
@producer_required
def statement_csv(month: str):
    """The statement as CSV (UTF-8 with BOM, so a spreadsheet reads the Vietnamese)."""
    producer = current_user.producer
    day = _month(month)
    data = statements.statement_csv(statements.statement(producer.id, day))
    name = f"sao-ke-{producer.slug}-{day:%Y-%m}.csv"
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


from shop.payouts import staff_views  # noqa: E402, F401  (their routes join it)
