"""Staff's event form, the cancel form, and the producer's sign-up form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from shop.events.models import MAX_DESCRIPTION, MAX_NAME, MAX_PLACE
from shop.events.services import KIND_LABELS
from shop.forms_common import DayField, IdField, int_or_none, max_length, required


class EventForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(MAX_NAME)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validators=[required()],
    )
    province_code = SelectField(
        _l("Province or city"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    place = StringField(
        _l("Place (venue and address)"), validators=[required(), max_length(MAX_PLACE)]
    )
    starts_on = DayField(_l("First day"), validators=[required()])
    ends_on = DayField(_l("Last day"), validators=[required()])
    description = TextAreaField(
        _l("Description"), validators=[max_length(MAX_DESCRIPTION)], render_kw={"rows": 3}
    )


class CancelForm(FlaskForm):
    reason = StringField(_l("Why cancel it?"), validators=[required(), max_length(500)])


class SignUpForm(FlaskForm):
    event_id = IdField(validators=[required()])
    product_id = SelectField(
        _l("Product"), coerce=int_or_none, validators=[required()], validate_choice=False
    )


class WithdrawForm(FlaskForm):
    entry_id = IdField(validators=[required()])
