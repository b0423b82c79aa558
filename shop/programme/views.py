"""The programme office (issue #17): the year report, re-recognition before expiry and
post-certification inspections.

Staff pages are in staff_views.py (they join this blueprint, under /staff/programme/). Pages
of other domains show this package's facts through small includes (templates/programme/_*.html)
that call the template globals below: what a producer must renew on their dashboard, the last
inspection on the public verification page, the figures on the staff front page. They read
only.
"""

from __future__ import annotations

from flask import Blueprint

from shop import clock
from shop.programme import renewals, services
from shop.programme.labels import LABELS

bp = Blueprint("programme", __name__)


@bp.app_context_processor
def _labels() -> dict:
    return LABELS


@bp.app_template_global("programme_renewals_due")
def renewals_due(producer_id: int) -> list[renewals.Due]:
    """The producer's certificates expiring within six months, with their renewal state."""
    return renewals.due(producer_id=producer_id)


@bp.app_template_global("programme_last_inspection")
def last_inspection(product_id: int, producer_id: int):
    """The last recorded inspection of a product (or its producer), for the public page."""
    return services.last_inspection(product_id, producer_id)


@bp.app_template_global("programme_staff_figures")
def staff_figures() -> dict:
    """What the staff front page shows of the programme office."""
    return {
        "overdue": services.overdue_fixes(),
        "renewals_due": len(renewals.due()),
        "today": clock.today(),
    }


from shop.programme import staff_views  # noqa: E402, F401  (its routes join this blueprint)
