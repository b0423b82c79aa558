"""Producer sign-up form, and the staff's form to suspend or reactivate a producer."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from shop import geo
from shop.enums import LegalForm
from shop.forms_common import (
    IdField,
    email_field,
    full_name_field,
    int_or_none,
    max_length,
    new_password_fields,
    phone_field,
    required,
)
from shop.labels import LEGAL_FORM_LABELS
from shop.privacy.forms import notice_consent_field


class ProducerSignupForm(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    password, confirm = new_password_fields()
    producer_name = StringField(
        _l("Name of the cooperative, business or household"),
        validators=[
            required(),
            Length(min=2, max=160, message=_l("Between 2 and 160 characters.")),
        ],
    )
    legal_form = SelectField(_l("Legal form"), validators=[required()], validate_choice=False)
    tax_code = StringField(_l("Tax code (mã số thuế)"), validators=[required(), max_length(20)])
    province_code = SelectField(
        _l("Province or city"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    ward_code = SelectField(
        _l("Ward or commune"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    street = StringField(_l("Street address"), validators=[required(), max_length(200)])
    phone = phone_field(optional=False)
    description = TextAreaField(_l("About your products (optional)"), validators=[max_length(2000)])
    privacy_consent = notice_consent_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_form.choices = [
            SelectChoice(f.value, label) for f, label in LEGAL_FORM_LABELS.items()
        ]
        self.province_code.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(code, name) for code, name in geo.provinces()
        ]
        wards = geo.wards(self.province_code.data) if self.province_code.data else []
        self.ward_code.choices = [SelectChoice("", _l("— choose a province first —"))] + [
            SelectChoice(code, name) for code, name in wards
        ]

    def validate_legal_form(self, field):
        if field.data not in {f.value for f in LegalForm}:
            raise ValidationError(_l("Choose a legal form from the list."))


class ProducerStatusForm(FlaskForm):
    producer_id = IdField(validators=[required()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("This field is required.")), max_length(1000)],
    )
