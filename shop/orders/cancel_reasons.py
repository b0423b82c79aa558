"""Why a buyer cancels a shipment: the reasons the cancel form offers, stored as codes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CANCEL_REASONS = {
    "changed_mind": _l("I changed my mind"),
    "ordered_by_mistake": _l("I ordered the wrong product or quantity"),
    "wrong_details": _l("The address or phone number is wrong"),
    "too_slow": _l("It takes too long to be sent"),
    "found_elsewhere": _l("I found it cheaper elsewhere"),
    "other": _l("Another reason"),
}
