"""The producer's payout account form, and staff's form to mark a payout line failed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from shop.forms_common import max_length, required
from shop.payouts.banks import BANKS


class PayoutAccountForm(FlaskForm):
    bank_bin = SelectField(_l("Bank"), validators=[required()], validate_choice=False)
    account_number = StringField(_l("Account number"), validators=[required(), max_length(30)])
    holder_name = StringField(
        _l("Account holder, as the bank shows it"), validators=[required(), max_length(70)]
    )
    password = PasswordField(_l("Your password, to confirm"), validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_bin.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(bank.bin, f"{bank.short_name} – {bank.name}") for bank in BANKS
        ]


class BatchForm(FlaskForm):
    """Create a payout batch (nothing to fill in: the CSRF token)."""


class LineFailedForm(FlaskForm):
    reason = TextAreaField(_l("What the bank said"), validators=[required(), max_length(500)])
