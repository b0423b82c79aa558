"""Validators and fields shared by the forms of several domains, with translated messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from shop.phones import InvalidPhone, normalize_mobile


def required():
    return InputRequired(message=_l("This field is required."))


def max_length(n: int):
    return Length(max=n, message=_l("At most %(n)s characters.", n=n))


def email_field(label=None):
    return EmailField(
        label or _l("E-mail"),
        validators=[
            required(),
            max_length(254),
            Email(
                message=_l("Enter a valid e-mail address, like an@example.vn."),
                check_deliverability=False,
            ),
        ],
    )


def new_password_fields(label=None):
    """A password and its confirmation."""
    password = PasswordField(
        label or _l("Password"),
        validators=[
            required(),
            Length(min=8, max=128, message=_l("The password must have 8 to 128 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("The two passwords do not match."))],
    )
    return password, confirm


class MobileNumber:
    """Accepts a Vietnamese mobile number and rewrites the field's data to +84…."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = normalize_mobile(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Enter a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09.")
            ) from None


def phone_field(optional: bool = True):
    validators = [Optional()] if optional else [required()]
    return StringField(_l("Mobile phone"), validators=[*validators, max_length(20), MobileNumber()])


def full_name_field():
    return StringField(
        _l("Full name"),
        validators=[
            required(),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters.")),
        ],
    )
