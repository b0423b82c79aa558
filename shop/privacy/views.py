"""Privacy pages: the notice; a person's data to see, download and correct; marketing e-mail
choice and the one-click unsubscribe; deleting the account.

Views parse, call one service, and render or redirect; the services own their transactions.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop import clock
from shop.accounts import sessions
from shop.errors import Refused
from shop.i18n import current_language
from shop.phones import normalize_mobile
from shop.privacy import consents, erasure, export, profile
from shop.privacy.forms import (
    AddressForm,
    DeleteAccountForm,
    MarketingForm,
    ProfileForm,
    UnsubscribeForm,
)
from shop.privacy.models import PURPOSE_MARKETING, PURPOSE_NOTICE
from shop.privacy.notice import NOTICE_VERSION

bp = Blueprint("privacy", __name__)


def _show_refusal(form, error: Refused) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), "error")


@bp.get("/privacy")
def notice():
    """The privacy notice, in the visitor's language, with its version."""
    language = "vi" if current_language() == "vi" else "en"
    return render_template(
        f"privacy/notice_{language}.html",
        version=NOTICE_VERSION,
        guest_days=_config("GUEST_DATA_RETENTION_DAYS"),
        login_days=_config("LOGIN_HISTORY_DAYS"),
    )


def _config(name: str) -> int:
    from flask import current_app

    return current_app.config[name]


@bp.get("/account/data")
@login_required
def my_data():
    """Everything the shop holds about the account, as a readable page."""
    return render_template(
        "privacy/my_data.html",
        data=export.collect(current_user),
        address_ids=export.address_ids(current_user),
        consent_labels={
            PURPOSE_NOTICE: _("Privacy notice"),
            PURPOSE_MARKETING: _("News and offers by e-mail"),
        },
        marketing_form=MarketingForm(data={"marketing": current_user.marketing_opt_in}),
    )


@bp.get("/account/data.json")
@login_required
def my_data_json():
    """The same, as a JSON file to download."""
    body = json.dumps(export.collect(current_user), ensure_ascii=False, indent=2)
    name = f"cho-ocop-my-data-{clock.today().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Correct the account's name and mobile number."""
    form = ProfileForm(
        data={"full_name": current_user.full_name, "phone": current_user.phone or ""}
    )
    if form.validate_on_submit():
        try:
            profile.correct_profile(
                current_user,
                full_name=form.full_name.data,
                phone=normalize_mobile(form.phone.data) if form.phone.data else None,
            )
        except Refused as error:
            _show_refusal(form, error)
        else:
            flash(_("Your details have been corrected."), "success")
            return redirect(url_for(".my_data"))
    return render_template("privacy/profile.html", form=form)


@bp.route("/account/addresses/<int:address_id>", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int):
    """Correct a saved address."""
    try:
        address = profile.own_address(current_user, address_id)
    except Refused:
        abort(404)
    form = AddressForm(
        data={
            "full_name": address.full_name,
            "phone": address.phone,
            "street": address.street,
            "province_code": address.province_code,
            "ward_code": address.ward_code,
        }
    )
    if form.validate_on_submit():
        try:
            profile.correct_address(
                current_user,
                address_id,
                full_name=form.full_name.data,
                phone=normalize_mobile(form.phone.data),
                street=form.street.data,
                ward_code=form.ward_code.data or 0,
                province_code=form.province_code.data or 0,
            )
        except Refused as error:
            _show_refusal(form, error)
        else:
            flash(_("The address has been corrected."), "success")
            return redirect(url_for(".my_data"))
    return render_template("privacy/address.html", form=form, address_id=address_id)


@bp.post("/account/addresses/<int:address_id>/delete")
@login_required
def delete_address(address_id: int):
    """Remove a saved address."""
    try:
        profile.delete_address(current_user, address_id)
    except Refused:
        abort(404)
    flash(_("The address has been removed."), "success")
    return redirect(url_for(".my_data"))


@bp.post("/account/marketing")
@login_required
def marketing():
    """Opt in to, or out of, news and offers by e-mail."""
    form = MarketingForm()
    if not form.validate_on_submit():
        abort(400)
    consents.set_marketing(current_user, bool(form.marketing.data))
    if form.marketing.data:
        flash(_("You will receive news and offers by e-mail."), "success")
    else:
        flash(_("You will no longer receive news and offers by e-mail."), "success")
    return redirect(url_for(".my_data"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """The link in every marketing e-mail: a GET shows the button, the POST unsubscribes,
    without logging in."""
    form = UnsubscribeForm()
    if form.validate_on_submit():
        try:
            consents.unsubscribe(token)
        except Refused as error:
            return render_template("privacy/unsubscribe.html", form=None, problem=error.message)
        return render_template("privacy/unsubscribe.html", form=None, done=True)
    if consents.user_for_unsubscribe(token) is None:
        problem = _("This unsubscribe link is not valid. Log in to change your e-mail choices.")
        return render_template("privacy/unsubscribe.html", form=None, problem=problem), 404
    return render_template("privacy/unsubscribe.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account, confirming with the password; the person is logged out."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            erasure.erase_account(current_user, form.password.data)
        except Refused as error:
            _show_refusal(form, error)
        else:
            sessions.end()
            flash(
                _(
                    "Your account has been deleted. The order records the law requires us to "
                    "keep no longer carry your name, phone or address."
                ),
                "success",
            )
            return redirect(url_for("catalog.home"))
    return render_template("privacy/delete_account.html", form=form)
