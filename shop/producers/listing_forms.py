"""Forms for a producer's listings. The rules themselves live in listing_services (check_*)."""

from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from shop.catalog.models import ProductSet
from shop.errors import Refused
from shop.extensions import db
from shop.forms_common import int_or_none, required
from shop.producers import listing_services as rules


def checked_by(check):
    """A WTForms validator running a service rule, so the form and the service agree."""

    def validator(form, field):
        if field.data is None:
            return  # a value that did not parse already has its message
        try:
            check(field.data)
        except Refused as error:
            raise ValidationError(error.message) from None

    return validator


class WholeNumberField(StringField):
    """An integer typed the Vietnamese way (150.000) or any other common way (150,000)."""

    def __init__(self, label=None, validators=None, *, message, **kwargs):
        render_kw = {"inputmode": "numeric", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = rules.parse_whole_number(text)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, locale="vi_VN" if str(get_locale()) == "vi" else "en_US")


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"), validators=[required(), checked_by(rules.check_name)])
    product_set_code = SelectField(
        _l("OCOP product set"),
        coerce=int_or_none,
        validators=[required(), checked_by(rules.check_product_set)],
        validate_choice=False,
    )
    net_content = StringField(
        _l("Net content (optional)"), validators=[checked_by(rules.check_net_content)]
    )
    ingredients = TextAreaField(
        _l("Ingredients (optional)"),
        validators=[checked_by(rules.check_ingredients)],
        render_kw={"rows": 3},
    )
    shelf_life = StringField(
        _l("Shelf life (optional)"), validators=[checked_by(rules.check_shelf_life)]
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[checked_by(rules.check_description)],
        render_kw={"rows": 6},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sets = db.session.scalars(sa.select(ProductSet).order_by(ProductSet.code))
        self.product_set_code.choices = [SelectChoice("", _l("— choose —"))] + [
            SelectChoice(s.code, s.name, optgroup=s.group_name) for s in sets
        ]


class VariantForm(FlaskForm):
    label = StringField(
        _l("Pack (e.g. Hộp 500g)"), validators=[required(), checked_by(rules.check_label)]
    )
    sku = StringField(
        _l("SKU (your stock code)"),
        validators=[required()],  # format and uniqueness: validate_sku
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    price = WholeNumberField(
        _l("Price (đồng)"),
        validators=[required(), checked_by(rules.check_price)],
        message=_l("Enter the price in whole đồng, like 150000 or 150.000."),
    )
    stock = WholeNumberField(
        _l("Stock"),
        validators=[required(), checked_by(rules.check_stock)],
        message=_l("Enter the stock as a whole number, like 25."),
    )
    weight_grams = WholeNumberField(
        _l("Weight packed (grams)"),
        validators=[required(), checked_by(rules.check_weight)],
        message=_l("Enter the weight in whole grams, like 500."),
    )

    def __init__(self, *args, variant_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.variant_id = variant_id  # the variant being edited keeps its own SKU

    def validate_sku(self, field):
        try:
            rules.check_sku_free(rules.check_sku(field.data), self.variant_id)
        except Refused as error:
            raise ValidationError(error.message) from None


class ImageUploadForm(FlaskForm):
    photo = FileField(
        _l("Photo (JPEG, PNG or WebP, at most 10 MB)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    alt_text = StringField(
        _l("Description of the photo (for blind visitors)"),
        validators=[checked_by(rules.check_alt_text)],
    )


class ImageTextForm(FlaskForm):
    alt_text = StringField(
        _l("Description of the photo (for blind visitors)"),
        validators=[checked_by(rules.check_alt_text)],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token is posted."""
