"""Find or create the supporter behind an action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.types import Supporter
from ..models import Supporter as SupporterRow


def email_key(email: str) -> str:
    """The form in which two addresses are compared: case-insensitive, trimmed."""
    return email.strip().lower()


def upsert_supporter(session: Session, person: Supporter, *, now: datetime) -> SupporterRow:
    """Return the supporter row for ``person.email``, creating it or refreshing its details."""
    key = email_key(person.email)
    row = session.scalars(select(SupporterRow).where(SupporterRow.email_key == key)).first()
    if row is None:
        row = SupporterRow(email_key=key, email=person.email.strip(), first_name=person.first_name,
                           last_name=person.last_name, postal_code=person.postal_code,
                           created_at=now, updated_at=now)
        try:
            with session.begin_nested():  # another request may create the same person at the same time
                session.add(row)
        except IntegrityError:
            row = session.scalars(select(SupporterRow).where(SupporterRow.email_key == key)).one()
        else:
            return row
    row.first_name, row.last_name = person.first_name, person.last_name
    row.postal_code, row.email, row.updated_at = person.postal_code, person.email.strip(), now
    return row
