"""The cart page."""

from flask import Blueprint, render_template

bp = Blueprint("cart", __name__)


@bp.get("/cart")
def show():
    """The visitor's cart (empty until the checkout issue adds buying)."""
    return render_template("cart/cart.html")
