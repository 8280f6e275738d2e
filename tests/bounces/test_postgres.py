"""On PostgreSQL: a report bounces the delivery, tells the writer and flags the office, once."""

from __future__ import annotations

import pytest

from advocacy import create_app
from advocacy.models import AddressFlag
from advocacy.services.bounces import BounceSummary, process_message

from .conftest import NOW, Letters, envelope_sender, report, row, send_all

pytestmark = pytest.mark.postgres
OTTAWA = "mpp.ottawa-centre@demo.invalid"


@pytest.fixture
def pg_ctx(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    yield app.extensions["advocacy"]
    app.extensions["advocacy"].db.dispose()


def test_a_report_handled_twice_on_postgres_counts_once(pg_ctx, smtp_sink):
    ottawa, _minister = Letters(pg_ctx).write()
    send_all(pg_ctx, smtp_sink)
    raw = report(envelope_sender(smtp_sink, OTTAWA), OTTAWA)
    summary = BounceSummary()
    for _ in range(2):
        with pg_ctx.db.transaction() as session:
            process_message(session, raw, summary, now=NOW, mail=pg_ctx.mail, campaign=pg_ctx.catalog.get,
                            bounce_address=pg_ctx.settings.bounce_mailbox)
    assert (summary.bounced, summary.notices, summary.unchanged) == ([ottawa], 1, 1)
    assert row(pg_ctx, ottawa).status == "bounced"
    with pg_ctx.db.transaction() as session:
        assert session.get(AddressFlag, OTTAWA).bounces == 1
