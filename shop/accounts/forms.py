"""Account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField

from shop.forms_common import (
    email_field,
    full_name_field,
    new_password_fields,
    phone_field,
    required,
)
from shop.privacy.forms import marketing_field, notice_consent_field


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[required()])
    remember = BooleanField(_l("Remember me"))


class RegisterForm(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    phone = phone_field(optional=True)
    password, confirm = new_password_fields()
    privacy_consent = notice_consent_field()
    marketing = marketing_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[required()])
    password, confirm = new_password_fields(_l("New password"))


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields(_l("New password"))
