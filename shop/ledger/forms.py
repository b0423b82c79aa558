"""Staff forms on the money: an adjustment with its reason, a carrier's COD remittance."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from shop.forms_common import max_length, required

_SIGNED_DONG = re.compile(r"^[+-−]?\s*(\d{1,3}([.,]\d{3})+|\d+)$")


def parse_signed_dong(text: str | None) -> int | None:
    """ "-50.000", "+50000", "50,000" → whole đồng (None if not one)."""
    text = (text or "").strip().replace("₫", "").replace("đ", "").strip()
    if not _SIGNED_DONG.match(text):
        return None
    sign = -1 if text[0] in "-−" else 1
    return sign * int(re.sub(r"[^\d]", "", text))


class SignedDong:
    def __call__(self, form, field):
        if parse_signed_dong(field.data) is None:
            raise ValidationError(
                _l("Give a whole amount in đồng, like 50.000 or -50.000 to take off.")
            )


class AdjustmentForm(FlaskForm):
    producer_id = SelectField(_l("Producer"), coerce=int, validators=[required()])
    amount = StringField(
        _l("Amount (₫; negative to take off)"), validators=[required(), SignedDong()]
    )
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(300)])
    key = HiddenField(validators=[required(), max_length(64)])


class RemittanceForm(FlaskForm):
    carrier = StringField(_l("Carrier"), validators=[required(), max_length(80)])
    reference = StringField(
        _l("Remittance reference (the carrier's statement number)"),
        validators=[required(), max_length(100)],
    )
    received_on = DateField(
        _l("Day received"),
        validators=[required()],
        format="%Y-%m-%d",
    )
    lines = TextAreaField(
        _l("Shipments: one line each, “tracking number, amount”"),
        validators=[Optional(), max_length(100_000)],
    )
    upload = FileField(_l("Or a CSV file with the same two columns"))
    note = StringField(_l("Note (optional)"), validators=[Optional(), max_length(300)])
