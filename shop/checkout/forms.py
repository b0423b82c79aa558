"""Checkout forms: delivery details and payment method, then the final confirmation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp, ValidationError

from shop import geo
from shop.forms_common import (
    email_field,
    full_name_field,
    int_or_none,
    max_length,
    phone_field,
    required,
)
from shop.labels import PAYMENT_METHOD_LABELS
from shop.privacy.forms import notice_consent_field


class DeliveryForm(FlaskForm):
    full_name = full_name_field()
    phone = phone_field(optional=False)
    email = email_field()
    province_code = SelectField(
        _l("Province or city"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    ward_code = SelectField(
        _l("Ward or commune"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    street = StringField(_l("House number and street"), validators=[required(), max_length(200)])
    note = TextAreaField(_l("Note for the producers (optional)"), validators=[max_length(500)])
    payment_method = RadioField(_l("Payment"), validators=[required()], validate_choice=False)
    save_address = BooleanField(_l("Save this address for next time"))
    # A guest accepts the privacy notice here (an account accepted it at registration).
    privacy_consent = notice_consent_field()

    def __init__(self, *args, methods=(), guest=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not guest:
            del self.privacy_consent
        self.province_code.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(code, name) for code, name in geo.provinces()
        ]
        wards = geo.wards(self.province_code.data) if self.province_code.data else []
        self.ward_code.choices = [SelectChoice("", _l("— choose a province first —"))] + [
            SelectChoice(code, name) for code, name in wards
        ]
        self.payment_method.choices = [
            SelectChoice(m.value, PAYMENT_METHOD_LABELS[m]) for m in methods
        ]
        self._methods = {m.value for m in methods}

    def email_optional(self) -> None:
        """A signed-in buyer may leave the e-mail empty: the account's address is used."""
        self.email.validators = [Optional(), *self.email.validators[1:]]
        self.email.flags.required = False

    def validate_payment_method(self, field):
        if field.data not in self._methods:
            raise ValidationError(_l("Choose a payment method from the list."))


class PlaceOrderForm(FlaskForm):
    """The review page's button: what the buyer reviewed, so that placing it is idempotent."""

    idempotency_key = HiddenField(validators=[required(), Length(min=16, max=64)])
    expected_total = HiddenField(validators=[required(), max_length(20)])
    cart_revision = HiddenField(validators=[required(), Regexp(r"^\d{1,9}$")])
    details_key = HiddenField(validators=[required(), max_length(64)])
