"""Database engine and sessions.

SQLite runs in WAL mode with a busy timeout. Writers open their transaction with
``BEGIN IMMEDIATE`` so that two writers queue on the lock instead of failing with
SQLITE_BUSY when a read snapshot is upgraded; readers keep plain deferred
transactions so page views never wait for the write lock. ``synchronous=NORMAL``
in WAL mode survives an application crash; a power cut may lose the last
transactions, which is the usual trade for a single-machine deployment (use
PostgreSQL when that matters).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


class _NoResultRows(logging.Filter):
    """SQLAlchemy logs every result row at DEBUG: rows are supporters' details, so they never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


_engine_log = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _NoResultRows) for f in _engine_log.filters):
    _engine_log.addFilter(_NoResultRows())


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the project's SQLite pragmas, or a plain pooled one."""
    # Statement parameters are supporters' names, addresses and letters: keep them out of SQL logging
    # (DEBUG/INFO on sqlalchemy.engine) and out of the text of database errors, which end up in logs.
    kwargs.setdefault("hide_parameters", True)
    if not _is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, open transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One engine, a reader and a writer session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.name = str(self.engine.url)  # the password hidden: how in-process caches tell databases apart
        self.is_sqlite = _is_sqlite(url)
        writer_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer_bind, expire_on_commit=False)

    def session(self, *, write: bool = False) -> Session:
        return (self._writer if write else self._reader)()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: commit on success, roll back on error (one per CLI command or job)."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
