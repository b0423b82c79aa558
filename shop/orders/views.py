"""The orders blueprint: producers handle their shipments, buyers follow their orders.

Routes live in producer_views.py and buyer_views.py; importing them here registers them.
"""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from shop.orders import buyer_views, producer_views  # noqa: E402, F401
