"""The ledger blueprint: staff's money pages (balances and adjustments, the tax list, the
cash-on-delivery reconciliation). Routes live in staff_views.py; importing it registers them.
"""

from flask import Blueprint

bp = Blueprint("ledger", __name__)

from shop.ledger import staff_views  # noqa: E402, F401
