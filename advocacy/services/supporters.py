"""Find or create the supporter behind an action."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, Table, bindparam, text
from sqlalchemy.orm import Session

from ..domain.types import Supporter
from ..models import Supporter as SupporterRow
from ..models.base import Base


def email_key(email: str) -> str:
    """The form in which two addresses are compared: case-insensitive, trimmed."""
    return email.strip().lower()


def insert_on_conflict(session: Session, model: type[Base], values: Mapping[str, Any], *, conflict: Sequence[str],
                       where: str = "", update: Sequence[str] = ()) -> int | None:
    """``INSERT … ON CONFLICT … RETURNING id`` on SQLite or PostgreSQL; the new or updated row's id.

    ``conflict`` (and ``where``, the SQL condition of a partial index) name the unique index that
    settles a race between two identical submissions. With ``update``, those columns of the existing
    row take the new values and its id is returned; without, the existing row is left alone and the
    answer is ``None``. One statement, no savepoint: the database resolves the race, not a retry.
    """
    stmt = _on_conflict_statement(session.get_bind().dialect.name, model.__table__, tuple(values), tuple(conflict),
                                  where, tuple(update))
    return session.connection().execute(stmt, dict(values)).scalar()


@lru_cache(maxsize=32)
def _on_conflict_statement(dialect_name: str, table: Table, columns: tuple[str, ...], conflict: tuple[str, ...],
                           where: str, update: tuple[str, ...]) -> Executable:
    # Built once with bound parameters and run on the session's connection: building it per request
    # (the excluded alias, the column coercions) and the ORM's execution path cost more than running
    # it. Only the dialect in use is imported.
    dialect = importlib.import_module(f"sqlalchemy.dialects.{dialect_name}")
    stmt = dialect.insert(table).values({name: bindparam(name) for name in columns})
    index_where = text(where) if where else None
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=list(conflict), index_where=index_where,
                                          set_={name: stmt.excluded[name] for name in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict), index_where=index_where)
    return stmt.returning(table.c.id)


def upsert_supporter_id(session: Session, person: Supporter, *, now: datetime) -> int:
    """The id of the supporter row for ``person.email``, created or refreshed with these details."""
    values = {"email_key": email_key(person.email), "email": person.email.strip(), "first_name": person.first_name,
              "last_name": person.last_name, "postal_code": person.postal_code, "created_at": now,
              "updated_at": now}
    supporter_id = insert_on_conflict(session, SupporterRow, values, conflict=["email_key"],
                                      update=["email", "first_name", "last_name", "postal_code", "updated_at"])
    assert supporter_id is not None  # type narrowing: DO UPDATE always returns the row  # nosec B101
    return supporter_id

