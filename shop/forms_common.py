"""Validators and fields shared by the forms of several domains, with translated messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from wtforms import DateField, EmailField, IntegerField, PasswordField, StringField, TelField
from wtforms.form import BaseForm
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from shop.phones import InvalidPhone, normalize_mobile
from shop.urls import db_int


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
    """Accepts a Vietnamese mobile number (the view stores it as +84… with normalize_mobile).

    The typed text stays in the field, so a form shown again with other errors keeps it.
    """

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            normalize_mobile(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Enter a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09.")
            ) from None


def phone_field(optional: bool = True):
    validators = [Optional()] if optional else [required()]
    # type="tel": a phone opens its number keypad for it
    return TelField(_l("Mobile phone"), validators=[*validators, max_length(20), MobileNumber()])


def full_name_field():
    return StringField(
        _l("Full name"),
        validators=[
            required(),
            Length(min=2, max=120, message=_l("Between 2 and 120 characters.")),
        ],
    )


def int_or_none(value):
    """Coerce a posted choice to int; anything else becomes None (then refused politely)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DayField(DateField):
    """A date typed as yyyy-mm-dd (the browser's date picker) or dd/mm/yyyy (the Vietnamese way)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date such as 24/11/2025.")) from None


class IdField(IntegerField):
    """The id of a row, posted by a form: digits an id column can hold, anything else refused
    with a message (never a query the database cannot run)."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = db_int(valuelist[0])
            if self.data is None:
                raise ValueError(_l("This record does not exist. Reload the page."))


@pass_context
def failed_forms(context) -> list[BaseForm]:
    """The forms of the page being rendered that have errors (a template global): every
    WTForms form the view passed (`form`, `variant_form`, ...), for the error summary at the
    top of the page (templates/_form_errors.html). A form's errors are its validators' and
    those a Refused added (shop.errors.attach_error)."""
    return [
        value
        for value in context.get_all().values()
        if isinstance(value, BaseForm)
        and (value.form_errors or any(field.errors for field in value))
    ]
