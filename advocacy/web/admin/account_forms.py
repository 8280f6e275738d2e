"""Forms for signing in, setting up an account and changing a password; the rules live in services/staff.py."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ...services.staff import PasswordProblem, password_problem

ROLE_LABELS = {"viewer": _l("Viewer"), "campaigner": _l("Campaigner"), "admin": _l("Admin")}

PASSWORD_MESSAGES = {
    PasswordProblem.TOO_SHORT.value: _l("Use at least 12 characters"),
    PasswordProblem.TOO_LONG.value: _l("Use at most 128 characters"),
    PasswordProblem.COMMON.value: _l("This password is too common or too easy to guess. "
                                     "Try three or four unrelated words together"),
}
WRONG_LOGIN = _l("The email address or password is not right")
WRONG_CODE = _l("That code is not right, or was already used. Enter the newest code from your authenticator app, "
                "or one of your recovery codes")
LOCKED = _l("Too many failed attempts. Sign-in is locked for 15 minutes; try again later, "
            "or ask an admin for help")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class NewPassword:
    """A validator applying the password rules (length, not common), checked against the account's email."""

    def __init__(self, email: str = "") -> None:
        self.email = email

    def __call__(self, _form: Form, field: Field) -> None:
        problem = password_problem(field.data or "", self.email)
        if problem is not None:
            raise ValidationError(PASSWORD_MESSAGES[problem.value])


class LoginForm(FlaskForm):
    email = StringField(_l("Email address"), filters=[_strip],
                        validators=[InputRequired(_l("Enter your email address")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password"))])


class CodeForm(FlaskForm):
    code = StringField(_l("Authentication code"), filters=[_strip],
                       validators=[InputRequired(_l("Enter the code from your authenticator app")), Length(max=40)])


class SetupForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a password"))])
    password_confirm = PasswordField(_l("Confirm new password"), validators=[
        InputRequired(_l("Type your new password again")),
        EqualTo("password", _l("The two passwords are not the same"))])
    code = StringField(_l("Code from your authenticator app"), filters=[_strip],
                       validators=[InputRequired(_l("Enter the 6-digit code your app shows")), Length(max=12)])

    def set_email(self, email: str) -> None:
        self.password.validators = [*self.password.validators, NewPassword(email)]


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(_l("Enter your current password"))])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a new password"))])
    new_password_confirm = PasswordField(_l("Confirm new password"), validators=[
        InputRequired(_l("Type your new password again")),
        EqualTo("new_password", _l("The two passwords are not the same"))])

    def set_email(self, email: str) -> None:
        self.new_password.validators = [*self.new_password.validators, NewPassword(email)]


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: one button that changes something."""

