"""The dashboard's figures from the services: Toronto days, the status groups, always current."""

from __future__ import annotations

from datetime import UTC, date, datetime

from advocacy.models import Supporter
from advocacy.services import dashboard, exports
from advocacy.services.petitions import sign_petition
from advocacy.web.admin.charts import column_chart, row_chart

PETITION = "the-rich-and-the-rest-of-us"
NOW = datetime(2026, 11, 24, 15, tzinfo=UTC)


def sign(ctx, number: int, when: datetime, *, district: str = "Ottawa Centre", hold: bool = False,
         source: str = "") -> None:
    email = f"s{number}@example.com"
    with ctx.db.transaction() as session:
        sign_petition(session, ctx.catalog.get(PETITION),
                      Supporter(email=email, email_key=email, first_name="A", last_name="B", postal_code="K1R7S8"),
                      now=when, district=district, hold=hold, source=source)


def test_actions_per_day_are_toronto_days_with_the_quiet_days_as_zero(ctx):
    sign(ctx, 1, datetime(2026, 11, 20, 4, 59, tzinfo=UTC))  # 23:59 on the 19th in Toronto
    sign(ctx, 2, datetime(2026, 11, 20, 5, 0, tzinfo=UTC))  # midnight on the 20th
    sign(ctx, 3, datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    sign(ctx, 4, datetime(2026, 11, 22, 19, 0, tzinfo=UTC), hold=True)  # pending: not counted
    with ctx.db.session() as session:
        assert dashboard.actions_per_day(session, PETITION) == [
            (date(2026, 11, 19), 1), (date(2026, 11, 20), 1), (date(2026, 11, 21), 0), (date(2026, 11, 22), 1)]
        assert dashboard.actions_per_day(session, PETITION, days=2) == [(date(2026, 11, 21), 0),
                                                                         (date(2026, 11, 22), 1)]
        assert dashboard.campaign_counts(session)[PETITION] == dashboard.ActionCounts(confirmed=3, pending=1)


def test_breakdowns_are_current_after_every_signature(ctx):
    sign(ctx, 1, NOW, source="newsletter")
    with ctx.db.session() as session:
        assert dashboard.breakdowns(session, PETITION).ridings == [("Ottawa Centre", 1)]
    sign(ctx, 2, NOW, district="Spadina—Fort York")
    with ctx.db.session() as session:
        fresh = dashboard.breakdowns(session, PETITION)
    assert fresh.ridings == [("Ottawa Centre", 1), ("Spadina—Fort York", 1)]
    assert [(s.source, s.count) for s in fresh.sources] == [("", 1), ("newsletter", 1)]
    assert fresh.per_day == [(date(2026, 11, 24), 2)]


def test_chart_bars_scale_to_the_largest_value():
    chart = column_chart([("2026-11-01", 5), ("2026-11-02", 10), ("2026-11-03", 0)], width=300, height=120)
    assert [bar.height for bar in chart.bars] == [50.0, 100.0, 0.0]  # 100 units of plot above the labels
    assert (chart.first, chart.last, chart.top) == ("2026-11-01", "2026-11-03", 10)
    rows = row_chart([("Ottawa Centre", 4), ("Spadina—Fort York", 2)], width=430, label_width=260)
    assert [bar.width for bar in rows.bars] == [100.0, 50.0] and rows.height == 44
    assert column_chart([]).bars == () and row_chart([]).top == 1


def test_postgres_gives_the_same_days_counts_and_export(pg_db, ctx):
    for number, when in enumerate([datetime(2026, 11, 20, 4, 59, tzinfo=UTC), datetime(2026, 11, 20, 5, tzinfo=UTC)]):
        email = f"pg{number}@example.com"
        with pg_db.transaction() as session:
            sign_petition(session, ctx.catalog.get(PETITION),
                          Supporter(email=email, email_key=email, first_name="=A", last_name="B",
                                    postal_code="K1R7S8"), now=when, district="Ottawa Centre")
    with pg_db.session() as session:
        assert dashboard.actions_per_day(session, PETITION) == [(date(2026, 11, 19), 1), (date(2026, 11, 20), 1)]
        assert dashboard.breakdowns(session, PETITION).ridings == [("Ottawa Centre", 2)]
        filters = exports.ExportFilter(status="confirmed", since=date(2026, 11, 20), riding="Ottawa Centre")
        batches = list(exports.signature_rows(session, PETITION, filters, batch=1))
    assert [[row[2] for row in batch] for batch in batches] == [["confirmed"]]  # the 19th in Toronto is left out
    data = b"".join(exports.csv_chunks(exports.SIGNATURE_COLUMNS, batches)).decode("utf-8-sig")
    assert "'=A" in data and "pg1@example.com" in data and "pg0@example.com" not in data
