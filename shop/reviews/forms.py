"""The review, reply and moderation forms; their limits are the service's, checked once."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from shop.errors import Refused
from shop.forms_common import IdField, required
from shop.reviews.services import check_rating, check_text


def _service_rule(check):
    """A WTForms validator from a service check that raises Refused."""

    def validate(_form, field):
        try:
            check(field.data)
        except Refused as error:
            raise ValidationError(error.message) from None

    return validate


class RatingField(IntegerField):
    """A whole number of stars; anything else counts as no rating, which the rule then refuses."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


class ReviewForm(FlaskForm):
    rating = RatingField(_l("Your rating"), validators=[_service_rule(check_rating)])
    comment = TextAreaField(_l("Your review"), validators=[_service_rule(check_text)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your reply"), validators=[required(), _service_rule(check_text)])


class HideForm(FlaskForm):
    review_id = IdField(validators=[required()])
    reason = TextAreaField(
        _l("Why hide it?"),
        validators=[DataRequired(message=_l("This field is required.")), _service_rule(check_text)],
    )
