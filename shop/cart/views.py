"""The cart pages: show, add (with or without JavaScript), change, remove."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import user_logged_in

from shop.cart import services
from shop.errors import Refused, attach_error
from shop.labels import STOCK_REASONS, UNLISTED_REASONS
from shop.urls import db_int, is_safe_next

bp = Blueprint("cart", __name__)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _int(name: str, default: int | None = None) -> int | None:
    """The form value as an int; `default` when it is missing, None when it is not a number
    an id column could hold (so never a query the database refuses)."""
    raw = request.form.get(name)
    if raw is None or raw == "":
        return default
    return db_int(raw)


@bp.get("/cart")
def show():
    """The cart, grouped by producer, with what cannot be bought and why."""
    cart_view = services.view(services.current_cart())
    reasons = {**UNLISTED_REASONS, **STOCK_REASONS}
    return render_template("cart/cart.html", cart=cart_view, reasons=reasons)


@bp.post("/cart/add")
def add():
    """Add a variant; answers JSON to the page script, or redirects back without it."""
    try:
        services.add_to_cart(_int("variant_id"), _int("quantity", 1))
    except Refused as error:
        if _wants_json():
            return jsonify(ok=False, message=str(error.message)), 400
        attach_error(None, error)
    else:
        message = _("Added to your cart.")
        if _wants_json():
            return jsonify(ok=True, message=message, count=services.cart_count())
        flash(message, "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for(".show"))


@bp.post("/cart/lines/<int:line_id>")
def update(line_id: int):
    """Change a line's quantity (0 removes it)."""
    try:
        services.change_quantity(line_id, _int("quantity"))
    except Refused as error:
        attach_error(None, error)
    return redirect(url_for(".show"))


@bp.post("/cart/lines/<int:line_id>/remove")
def remove(line_id: int):
    """Take a line out of the cart."""
    services.remove_line(line_id)
    return redirect(url_for(".show"))


@user_logged_in.connect
def _merge_on_login(app, user, **_extra) -> None:
    """A guest's cart joins the account's at log-in (quantities added, capped at stock)."""
    token = session.pop(services.SESSION_KEY, None)
    if token:
        services.merge_guest_cart(token, user.id)
