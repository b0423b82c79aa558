"""Certificate forms: the producer's submission, staff review decisions, public lookup."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from shop.certification.rules import STAR_RANGE
from shop.enums import IssuingLevel
from shop.forms_common import DayField, int_or_none, max_length, required
from shop.labels import ISSUING_LEVEL_LABELS


class CertificateForm(FlaskForm):
    number = StringField(_l("Certificate number"), validators=[required(), max_length(80)])
    decision_number = StringField(
        _l("Decision number (e.g. 2751/QĐ-UBND)"), validators=[required(), max_length(80)]
    )
    decision_date = DayField(
        _l("Decision date"), validators=[required()], render_kw={"type": "date"}
    )
    issuing_body = StringField(
        _l("Issuing body (e.g. UBND tỉnh Đắk Lắk)"), validators=[required(), max_length(200)]
    )
    issuing_level = SelectField(_l("Issuing level"), validators=[required()], validate_choice=False)
    stars = SelectField(
        _l("OCOP stars"),
        coerce=int_or_none,
        validators=[required()],
        validate_choice=False,
        choices=[SelectChoice(n, "★" * n) for n in STAR_RANGE],
    )
    scan = FileField(_l("Scan of the certificate (JPEG, PNG or PDF, at most 10 MB)"))
    # Only on a new submission: the product's approved certificates this one re-recognises.
    renews = SelectField(
        _l("Does this certificate renew an earlier one?"),
        coerce=int_or_none,
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.issuing_level.choices = [
            SelectChoice(lvl.value, label) for lvl, label in ISSUING_LEVEL_LABELS.items()
        ]

    def validate_issuing_level(self, field):
        if field.data not in {lvl.value for lvl in IssuingLevel}:
            raise ValidationError(_l("Choose an issuing level from the list."))


class ReviewForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason or message for the producer"),
        validators=[Optional(), Length(max=2000, message=_l("At most %(n)s characters.", n=2000))],
    )
    confirm = BooleanField(_l("Yes, take the product off the shop now"))
    confirm_refusal = BooleanField(_l("Yes, send this decision and message to the producer"))


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup changes nothing

    number = StringField(_l("Certificate number"), validators=[required(), max_length(80)])
