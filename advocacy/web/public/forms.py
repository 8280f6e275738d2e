"""Forms for signing a petition and writing a letter."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from ...domain.errors import InvalidPostalCode
from ...domain.postal import normalise_postal_code
from ...mail import unsafe_reason

_URLISH = re.compile(r"(https?:|www\.|://)", re.IGNORECASE)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def check_name(_form: Form, field: Field) -> None:
    value = field.data or ""
    if unsafe_reason(value):
        raise ValidationError("Names can only contain letters, spaces and punctuation")
    if _URLISH.search(value) or value[:1] in {"=", "+", "-", "@"}:
        raise ValidationError("Enter your name as you would sign it")
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise ValidationError("Enter your name as you would sign it")


def check_email(_form: Form, field: Field) -> None:
    try:
        # No SMTPUTF8 local parts: offices' mail servers and ours must be able to reply to every address.
        result = validate_email(field.data or "", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"Enter an email address like name@example.com ({exc})") from exc
    if unsafe_reason(result.normalized) or "=?" in result.normalized:
        raise ValidationError("Enter an email address like name@example.com")
    field.data = result.normalized


def check_postal_code(_form: Form, field: Field) -> None:
    try:
        field.data = normalise_postal_code(field.data or "")
    except InvalidPostalCode as exc:
        raise ValidationError(str(exc)) from exc


class SupporterForm(FlaskForm):
    first_name = StringField("First name", filters=[_strip], validators=[
        InputRequired("Enter your first name"), Length(max=100, message="Keep your first name under 100 characters"),
        check_name])
    last_name = StringField("Last name", filters=[_strip], validators=[
        InputRequired("Enter your last name"), Length(max=100, message="Keep your last name under 100 characters"),
        check_name])
    email = StringField("Email address", filters=[_strip], validators=[
        InputRequired("Enter your email address"), Length(max=254, message="That email address is too long"),
        check_email])
    postal_code = StringField("Postal code", filters=[_strip], validators=[
        InputRequired("Enter your postal code, like K1P 5J2"),
        Length(max=10, message="Enter a postal code like K1P 5J2"),
        check_postal_code])
    opt_in = BooleanField(default=False)


class LetterForm(SupporterForm):
    # Present only when the campaign lets supporters edit; filled from the campaign's text otherwise.
    subject = StringField("Subject", filters=[_strip])
    body = TextAreaField("Your letter", filters=[_strip])
    step = HiddenField(default="details")

    def check_letter(self, max_chars: int) -> bool:
        """Validate the editable parts; returns False (with errors on the fields) when they are not usable."""
        ok = True
        if not self.subject.data:
            self.subject.errors = [*self.subject.errors, "Enter a subject for your letter"]
            ok = False
        elif len(self.subject.data) > 200 or unsafe_reason(self.subject.data):
            self.subject.errors = [*self.subject.errors,
                                   "Keep the subject to one line of at most 200 characters"]
            ok = False
        if not self.body.data:
            self.body.errors = [*self.body.errors, "Write your letter"]
            ok = False
        elif len(self.body.data) > max_chars:
            self.body.errors = [*self.body.errors, f"Your letter is {len(self.body.data):,} characters long; "
                                                   f"keep it under {max_chars:,}"]
            ok = False
        return ok
