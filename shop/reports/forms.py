"""The buyer's report form and the staff's forms for handling a report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Optional

from shop.forms_common import DayField, max_length, required
from shop.reports.models import MAX_DETAILS
from shop.reports.services import KIND_LABELS, OUTCOME_LABELS


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ReportForm(FlaskForm):
    kind = RadioField(
        _l("What is wrong?"),
        choices=_choices(KIND_LABELS),
        validators=[required()],
    )
    details = TextAreaField(
        _l("What did you see? (optional)"),
        validators=[max_length(MAX_DETAILS)],
        render_kw={"maxlength": MAX_DETAILS, "rows": 4},
    )
    photo = FileField(
        _l("A photo of the package (optional; JPEG, PNG or WebP, at most 10 MB)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    contact_email = EmailField(
        _l("Your e-mail, to hear the outcome (optional)"),
        validators=[
            Optional(),
            max_length(254),
            Email(
                message=_l("Enter a valid e-mail address, like an@example.vn."),
                check_deliverability=False,
            ),
        ],
    )


class InspectForm(FlaskForm):
    kind = SelectField(
        _l("Kind of inspection"),
        choices=_choices({"unannounced": _l("Unannounced"), "routine": _l("Routine")}),
        validators=[required()],
    )
    planned_on = DayField(_l("Planned for"), validators=[required()])


class CloseForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=_choices(OUTCOME_LABELS), validators=[required()])
    answer = TextAreaField(
        _l("Your answer to the reporter (sent by e-mail if they left one)"),
        validators=[max_length(MAX_DETAILS)],
        render_kw={"maxlength": MAX_DETAILS, "rows": 3},
    )
