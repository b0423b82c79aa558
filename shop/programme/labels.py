"""The programme office's stored values in words (inspections, renewal states)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.programme.models import InspectionKind, InspectionOutcome

INSPECTION_KIND_LABELS = {
    InspectionKind.ROUTINE: _l("routine"),
    InspectionKind.UNANNOUNCED: _l("unannounced"),
}

INSPECTION_OUTCOME_LABELS = {
    InspectionOutcome.PENDING: _l("planned, not yet recorded"),
    InspectionOutcome.PASSED: _l("passed"),
    InspectionOutcome.FIX_BY_DEADLINE: _l("to fix by a deadline"),
    InspectionOutcome.REVOKE: _l("certificate revoked"),
}

RENEWAL_STATUS_LABELS = {
    "none": _l("none yet"),
    "submitted": _l("submitted"),
    "changes_requested": _l("asked for changes"),
    "approved": _l("approved"),
}

LABELS = {
    "inspection_kind_labels": INSPECTION_KIND_LABELS,
    "inspection_outcome_labels": INSPECTION_OUTCOME_LABELS,
    "renewal_status_labels": RENEWAL_STATUS_LABELS,
}
