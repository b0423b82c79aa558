"""Staff's mark forms and the producer's product-mark form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from shop.forms_common import IdField, int_or_none, max_length, required
from shop.marks.models import MAX_DESCRIPTION, MAX_HOLDER, MAX_NAME, MAX_NUMBER
from shop.marks.services import KIND_LABELS


class MarkForm(FlaskForm):
    name = StringField(_l("Name of the mark"), validators=[required(), max_length(MAX_NAME)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validators=[required()],
    )
    registration_number = StringField(
        _l("Registration number"), validators=[required(), max_length(MAX_NUMBER)]
    )
    holder = StringField(
        _l("Holder (association, cooperative or authority)"),
        validators=[required(), max_length(MAX_HOLDER)],
    )
    description = TextAreaField(
        _l("Description"), validators=[max_length(MAX_DESCRIPTION)], render_kw={"rows": 3}
    )


class AllowForm(FlaskForm):
    producer_id = SelectField(
        _l("Producer"), coerce=int_or_none, validators=[required()], validate_choice=False
    )


class WithdrawForm(FlaskForm):
    producer_id = IdField(validators=[required()])
    reason = StringField(_l("Why?"), validators=[max_length(500)])


class ProductMarkForm(FlaskForm):
    product_id = IdField(validators=[required()])
    mark_id = SelectField(_l("Mark"), coerce=int_or_none, validate_choice=False)
