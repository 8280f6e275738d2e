"""Public pages: the campaign list, campaign pages with their forms, and thank-you pages."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import links, views  # noqa: E402,F401 - registers the routes
