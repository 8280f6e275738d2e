"""The staff admin: every view needs a signed-in staff member unless ``access.PUBLIC_ENDPOINTS`` names it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module registers its own routes on ``bp``; ``access`` installs the staff-only guard.
from . import (  # noqa: E402,F401
    access,
    account,
    allies,
    dashboard,
    editor,
    exports,
    limits,
    moderation,
    people,
    staff,
)
