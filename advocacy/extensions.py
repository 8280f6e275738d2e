"""Flask extensions, created unbound and attached in ``create_app``."""

from flask import g
from flask_babel import Babel
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()


def selected_locale() -> str:
    """The language a view chose for this request (``g.lang``), English when it chose none."""
    return g.get("lang", "en")
