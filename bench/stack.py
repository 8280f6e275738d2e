"""The stack's floor for bench/sign.py: the ceiling's work, done with the libraries the app is built on.

bench/ceiling.py signs with nothing but Flask and sqlite3. The app is required to use Flask-WTF with CSRF
(which needs the session cookie) and SQLAlchemy, so no app built on them can be faster than this one: the same
four fields validated by the same rules, now as a FlaskForm whose CSRF token is checked against the signed
session cookie, and one row inserted through an ORM session on an engine with the app's SQLite settings
(advocacy/db.py: WAL, synchronous=NORMAL, BEGIN IMMEDIATE for writers), then 303. Nothing of the app itself.

Its ratio to the ceiling is the most the app could reach; its peak RSS, the least an app on these libraries
holds. Run under gunicorn as ``stack:app`` with ``BENCH_STACK_DB`` naming the database; bench/sign.py creates
the table before the workers start.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template, session
from flask_wtf import FlaskForm
from jinja2 import DictLoader
from sqlalchemy import Float, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from wtforms import StringField
from wtforms.validators import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from advocacy.db import make_engine  # noqa: E402 - the app's engine settings, and nothing else of the app
from advocacy.validation import SUPPORTER_RULES, InvalidField, TextRule  # noqa: E402

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign the petition</title></head>
<body><main>
<h1>Sign the petition</h1>
{% if form.errors %}<ul>{% for name, errors in form.errors.items() %}<li>{{ errors[0] }}</li>{% endfor %}</ul>
{% endif %}<form method="post">
{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}{{ field.label }} {{ field() }}
{% endfor %}<button type="submit">Sign</button>
</form>
</main></body></html>
"""


class Base(DeclarativeBase):
    pass


class Signature(Base):
    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    postal_code: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[float] = mapped_column(Float)


def _rule(rule: TextRule) -> list[Any]:
    def check(_form: FlaskForm, field: StringField) -> None:
        try:
            field.data = rule.clean(field.data or "")
        except InvalidField as exc:
            raise ValidationError(str(exc)) from exc

    return [check]


class SignForm(FlaskForm):
    first_name = StringField("First name", validators=_rule(SUPPORTER_RULES["first_name"]))
    last_name = StringField("Last name", validators=_rule(SUPPORTER_RULES["last_name"]))
    email = StringField("Email", validators=_rule(SUPPORTER_RULES["email"]))
    postal_code = StringField("Postal code", validators=_rule(SUPPORTER_RULES["postal_code"]))


def database_url(path: str) -> str:
    return f"sqlite:///{path}"


def create_schema(path: str) -> None:
    engine = make_engine(database_url(path))
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": PAGE})
app.config.update(SECRET_KEY=os.environ.get("ADVOCACY_SECRET_KEY", "bench"), WTF_CSRF_TIME_LIMIT=4 * 3600)
_engine = make_engine(database_url(os.environ.get("BENCH_STACK_DB", "stack.db")))
# Writers take the write lock when they begin, as the app's writer sessions do (advocacy/db.py).
_writer = sessionmaker(bind=_engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)


@app.get("/")
def page() -> str:
    form = SignForm()
    html = render_template("page.html", form=form)
    session.modified = True  # the token is in the session: send the cookie it is bound to
    return html


@app.post("/")
def sign():  # noqa: ANN201 - a page or a redirect
    form = SignForm()
    if not form.validate():
        return render_template("page.html", form=form), 400
    with _writer() as db:
        db.add(Signature(first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
                         postal_code=form.postal_code.data, created_at=time.time()))
        db.commit()
    return redirect("/thanks", 303)
