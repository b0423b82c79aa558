"""The staff's form recording a refund made by hand."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from shop.forms_common import IdField, max_length, required


class ManualRefundForm(FlaskForm):
    sub_order_id = IdField(validators=[required()])
    reference = StringField(_l("Transfer reference (optional)"), validators=[max_length(100)])
