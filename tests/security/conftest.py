"""Apps with small limits and the timing check on, and a petition and a letter campaign to act on."""

from __future__ import annotations

from advocacy.models.base import utcnow


def campaign_of(app, kind: str) -> str:
    return next(c.slug for c in app.extensions["advocacy"].catalog.listed(utcnow()) if c.kind == kind)


PERSON = {"first_name": "Ada", "last_name": "Byron", "postal_code": "K1P5J2"}


# Signed-in staff clients for the admin's limits page and the login redirect tests (see tests/admin/conftest.py).
from ..admin.conftest import light_password_hashing, staff_client  # noqa: E402,F401
