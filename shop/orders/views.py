"""The orders blueprint: producers handle their shipments, buyers follow their orders, staff
see every order and record the refunds made by hand.

Routes live in producer_views.py, buyer_views.py and staff_views.py; importing them here
registers them.
"""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from shop.orders import buyer_views, producer_views, staff_views  # noqa: E402, F401
