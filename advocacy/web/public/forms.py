"""Forms for signing a petition and writing a letter; the rules themselves live in advocacy/validation.py."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, HiddenField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, ValidationError

from ...domain.text import _l
from ...validation import EMAIL, FIRST_NAME, LAST_NAME, POSTAL_CODE, InvalidField, TextRule, letter_problems


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _validators(rule: TextRule) -> list[Any]:
    """The rule as WTForms validators: InputRequired and Length also give the inputs required/maxlength."""

    def check(_form: Form, field: Field) -> None:
        try:
            field.data = rule.check(field.data or "")
        except InvalidField as exc:
            raise ValidationError(str(exc)) from exc

    return [InputRequired(rule.required), Length(max=rule.max_length, message=rule.too_long), check]


@cache
def _wtforms_messages(locale: str) -> NullTranslations:
    """WTForms' own messages in ``locale``, read once per process: Flask-WTF reads the catalogue from disk again on
    every request (a third of the campaign page's time), and it never changes while the app runs."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class SupporterForm(FlaskForm):
    class Meta:
        def get_translations(self, _form: Form) -> NullTranslations:
            return _wtforms_messages(str(get_locale() or "en"))

    first_name = StringField(_l("First name"), filters=[_strip], validators=_validators(FIRST_NAME))
    last_name = StringField(_l("Last name"), filters=[_strip], validators=_validators(LAST_NAME))
    email = StringField(_l("Email address"), filters=[_strip], validators=_validators(EMAIL))
    postal_code = StringField(_l("Postal code"), filters=[_strip], validators=_validators(POSTAL_CODE))
    opt_in = BooleanField(default=False)


class LetterForm(SupporterForm):
    # Present only when the campaign lets supporters edit; filled from the campaign's text otherwise.
    subject = StringField(_l("Subject"), filters=[_strip])
    body = TextAreaField(_l("Your letter"), filters=[_strip])
    step = HiddenField(default="details")

    def check_letter(self, max_chars: int) -> bool:
        """Validate the editable parts; returns False (with errors on the fields) when they are not usable."""
        problems = letter_problems(self.subject.data or "", self.body.data or "", max_chars)
        for name, message in problems.items():
            field = getattr(self, name)
            field.errors = [*field.errors, message]
        return not problems
