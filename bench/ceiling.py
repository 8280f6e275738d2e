"""The ceiling for bench/sign.py: the same work as signing a petition, with nothing else.

A GET renders a small Jinja page with a four-field form; a POST validates the four
fields with the app's own rules (advocacy/validation.py: email-validator with the same
options, the postal-code normaliser, the name checks) and inserts one row into SQLite
with the app's pragmas (WAL, synchronous=NORMAL, the same busy timeout, BEGIN IMMEDIATE),
then answers 303 like the app. No CSRF, no session cookie, no ORM, no directory lookup:
whatever the app spends beyond this is its own overhead (bench/sign.py prints the share
CSRF and the session take).

Run under gunicorn as ``ceiling:app`` with ``BENCH_CEILING_DB`` naming the database;
bench/sign.py creates the table before the workers start, so they never race on it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, redirect, render_template, request
from jinja2 import DictLoader

# The working tree's rules, as bench/sign.py measures the working tree's app.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from advocacy.validation import SUPPORTER_RULES, InvalidField  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    postal_code TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main>
<h1>{{ title }}</h1>
{% if errors %}<ul>{% for e in errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
<form method="post">
{% for name in fields %}<label for="{{ name }}">{{ name }}</label>
<input id="{{ name }}" name="{{ name }}" value="{{ values.get(name, '') }}">
{% endfor %}<button type="submit">Sign</button>
</form>
</main></body></html>
"""

FIELDS = tuple(SUPPORTER_RULES)


def connect(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
    # isolation_level=None: we open the transaction ourselves, as the app does.
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return conn


def create_schema(path: str, busy_timeout_ms: int) -> None:
    conn = connect(path, busy_timeout_ms)
    try:
        conn.execute(SCHEMA)
    finally:
        conn.close()


def _validate(form: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Each field cleaned by the rule the app's form applies to it, or its error message."""
    values, errors = {}, []
    for name, rule in SUPPORTER_RULES.items():
        raw = form.get(name) or ""
        try:
            values[name] = rule.clean(raw)
        except InvalidField as exc:
            values[name] = raw.strip()
            errors.append(str(exc))
    return values, errors


app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": PAGE})
_DB_PATH = os.environ.get("BENCH_CEILING_DB", "ceiling.db")
_BUSY_MS = int(os.environ.get("BENCH_BUSY_TIMEOUT_MS", "10000"))


_local = threading.local()


def _db() -> sqlite3.Connection:
    # One connection per worker thread, kept open like the app's connection pool keeps its
    # connections; opened on first use so that it is never shared across gunicorn's fork.
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = connect(_DB_PATH, _BUSY_MS)
    return conn


@app.get("/")
def page() -> str:
    return render_template("page.html", title="Sign the petition", fields=FIELDS, values={}, errors=[])


@app.post("/")
def sign():  # noqa: ANN201 - a str or a redirect
    values, errors = _validate(request.form)
    if errors:
        return render_template("page.html", title="Sign the petition", fields=FIELDS, values=values,
                               errors=errors), 400
    conn = _db()
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("INSERT INTO signatures (first_name, last_name, email, postal_code, created_at) "
                     "VALUES (?, ?, ?, ?, ?)", (values["first_name"], values["last_name"], values["email"],
                                                values["postal_code"], time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return redirect("/thanks", 303)
