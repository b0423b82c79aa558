"""The programme office's forms: plan and record an inspection, confirm a fix, remind."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from shop.forms_common import DayField, IdField, max_length, required
from shop.programme.labels import INSPECTION_KIND_LABELS, INSPECTION_OUTCOME_LABELS
from shop.programme.models import InspectionOutcome


class PlanForm(FlaskForm):
    product_id = IdField(validators=[Optional()])
    producer_id = IdField(validators=[Optional()])
    kind = RadioField(
        _l("Kind of inspection"),
        validators=[required()],
        choices=[SelectChoice(k.value, v) for k, v in INSPECTION_KIND_LABELS.items()],
        default="routine",
    )
    planned_on = DayField(_l("Planned for"), validators=[required()], render_kw={"type": "date"})


class RecordForm(FlaskForm):
    done_on = DayField(
        _l("Day of the inspection"), validators=[required()], render_kw={"type": "date"}
    )
    inspector = StringField(_l("Inspector"), validators=[required(), max_length(160)])
    findings = TextAreaField(_l("Findings"), validators=[required(), max_length(4000)])
    outcome = RadioField(
        _l("Outcome"),
        validators=[required()],
        choices=[
            SelectChoice(o.value, label)
            for o, label in INSPECTION_OUTCOME_LABELS.items()
            if o != InspectionOutcome.PENDING
        ],
    )
    fix_deadline = DayField(
        _l("Deadline for the fix"), validators=[Optional()], render_kw={"type": "date"}
    )
    files = MultipleFileField(_l("Photos or documents (JPEG, PNG or PDF, at most 10 MB each)"))
    confirm_revoke = BooleanField(
        _l("Yes: revoke the certificate now and take the product off the shop")
    )


class ActionForm(FlaskForm):
    """A button that changes something (remind, confirm a fix): its CSRF token only."""
