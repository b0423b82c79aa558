"""Forms of the privacy pages: correcting details, marketing choice, deleting the account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from shop import geo
from shop.forms_common import full_name_field, int_or_none, max_length, phone_field, required


def notice_consent_field():
    """The required box accepting the privacy notice (registration, guest checkout)."""
    return BooleanField(
        _l("I have read the privacy notice and agree to my data being used as it describes."),
        validators=[
            InputRequired(
                message=_l(
                    "Please tick the box to accept the privacy notice: we cannot take your "
                    "order or open your account without it."
                )
            )
        ],
    )


def marketing_field():
    """The separate, unticked opt-in for news and offers by e-mail."""
    return BooleanField(
        _l("Send me news and offers by e-mail (optional; you can stop them at any time).")
    )


class ProfileForm(FlaskForm):
    full_name = full_name_field()
    phone = phone_field(optional=True)


class AddressForm(FlaskForm):
    full_name = full_name_field()
    phone = phone_field(optional=False)
    province_code = SelectField(
        _l("Province or city"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    ward_code = SelectField(
        _l("Ward or commune"), coerce=int_or_none, validators=[required()], validate_choice=False
    )
    street = StringField(_l("House number and street"), validators=[required(), max_length(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(code, name) for code, name in geo.provinces()
        ]
        wards = geo.wards(self.province_code.data) if self.province_code.data else []
        self.ward_code.choices = [SelectChoice("", _l("— choose a province first —"))] + [
            SelectChoice(code, name) for code, name in wards
        ]


class MarketingForm(FlaskForm):
    marketing = BooleanField(_l("Send me news and offers by e-mail"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[required()])
    confirm = BooleanField(
        _l("I understand that my account and my personal data will be deleted for good."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class UnsubscribeForm(FlaskForm):
    """Only the CSRF token: the button of the unsubscribe page."""
