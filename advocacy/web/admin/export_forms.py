"""The filters of the CSV exports: read from the query string, so an export's address can be bookmarked."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, StringField
from wtforms.validators import Length, Optional, ValidationError

from ...services.exports import LETTER_STATES, ExportFilter
from .dashboard import STATE_LABELS

BAD_DATE = _l("Enter a date like 2026-11-24")
SIGNATURE_STATUSES = [("", _l("Any status")), ("confirmed", _l("Confirmed")),
                      ("pending", _l("Waiting for email confirmation")), ("in_review", _l("In review")),
                      ("rejected", _l("Rejected"))]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DayField(DateField):
    """A YYYY-MM-DD date (what a date input sends) with an error message a person understands."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(BAD_DATE)) from exc


class ExportForm(Form):
    # Checked against status_choices() below (the template draws the <select> from them).
    status = StringField(_l("Status"), filters=[_strip], default="")
    since = DayField(_l("From (Toronto date)"), validators=[Optional()])
    until = DayField(_l("To (Toronto date, included)"), validators=[Optional()])
    riding = StringField(_l("Riding"), filters=[_strip], validators=[Length(max=200, message=_l(
        "A riding name has at most 200 characters"))])

    def status_choices(self) -> list[tuple[str, Any]]:
        return SIGNATURE_STATUSES

    def validate_status(self, field: StringField) -> None:
        if field.data not in {value for value, _label in self.status_choices()}:
            raise ValidationError(_l("Choose a status from the list"))

    def validate_until(self, field: DayField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be on or after the start date"))

    def filters(self) -> ExportFilter:
        return ExportFilter(status=self.status.data or "", since=self.since.data, until=self.until.data,
                            riding=self.riding.data or "")


class LetterExportForm(ExportForm):
    def status_choices(self) -> list[tuple[str, Any]]:
        return [("", _l("Any status")), *((state, STATE_LABELS.get(state, state)) for state in LETTER_STATES)]
