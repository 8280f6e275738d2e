"""Dashboard counters: running totals of actions and deliveries, kept by triggers (models/counters.py)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 08:00:00

Triggers rather than application code keep the totals, so every path that writes actions or deliveries
(the signing fast path's Core inserts, letters, confirmations, review, erasure, the retention purge, expiry,
the worker) keeps them right in its own transaction. The triggers are created before the backfill: on
PostgreSQL creating a trigger locks the table against writes until this migration commits, so no row is
counted twice or missed; SQLite holds its write lock the same way.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COUNTED = "{row}.status = 'confirmed' AND {row}.review = ''"  # services/stats.COUNTED
ACTION_KEYS = ("campaign_slug", "district", "source", "status", "review", "created_at")
DELIVERY_KEYS = ("campaign_slug", "kind", "status", "office_key")
OFFICE_NAMES = ("office_key", "recipient_name", "recipient_office", "recipient_district")


def _hour(dialect: str, row: str) -> str:
    """The UTC hour of created_at as "YYYY-MM-DD HH" (SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC)."""
    if dialect == "postgresql":
        return f"to_char({row}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    return f"substr({row}.created_at, 1, 13)"


def _add(table: str, columns: dict[str, str], when: str = "") -> str:
    """Add one to the row of ``table`` keyed by ``columns`` (name: value), creating it at 1."""
    names, values = ", ".join(columns), ", ".join(columns.values())
    return (f"INSERT INTO {table} ({names}, total) SELECT {values}, 1 WHERE {when or 'true'} "  # nosec B608 - trigger SQL built from this module's own constants; no outside value
            f"ON CONFLICT ({names}) DO UPDATE SET total = {table}.total + 1")


def _subtract(table: str, columns: dict[str, str], when: str = "") -> str:
    match = " AND ".join(f"{name} = {value}" for name, value in columns.items())
    return f"UPDATE {table} SET total = total - 1 WHERE {when + ' AND ' if when else ''}{match}"  # nosec B608 - trigger SQL built from this module's own constants; no outside value


def _action_statements(dialect: str, row: str, change: object) -> list[str]:
    # The busiest rows (this hour, the empty source) first, in the same order everywhere, so concurrent
    # PostgreSQL transactions take their row locks in one order.
    counted = COUNTED.format(row=row)
    return [
        change("action_counts_by_hour", {"campaign_slug": f"{row}.campaign_slug", "hour": _hour(dialect, row)},
               counted),
        change("action_counts_by_source", {"campaign_slug": f"{row}.campaign_slug", "source": f"{row}.source"},
               counted),
        change("action_counts_by_riding",
               {name: f"{row}.{name}" for name in ("campaign_slug", "district", "status", "review")}),
    ]


def _delivery_statements(row: str, change: object) -> list[str]:
    return [
        change("delivery_counts", {name: f"{row}.{name}" for name in ("campaign_slug", "kind", "status")}),
        change("letter_counts_by_office", {name: f"{row}.{name}" for name in ("campaign_slug", "office_key", "status")},
               f"{row}.kind = 'letter'"),
    ]


NAME_OFFICE = (  # the letter's recipient, as its inbox's name on the dashboard
    "INSERT INTO letter_offices (campaign_slug, office_key, recipient_name, recipient_office, recipient_district) "
    "SELECT NEW.campaign_slug, NEW.office_key, NEW.recipient_name, NEW.recipient_office, NEW.recipient_district "
    "WHERE NEW.kind = 'letter' ON CONFLICT (campaign_slug, office_key) DO UPDATE SET "
    "recipient_name = excluded.recipient_name, recipient_office = excluded.recipient_office, "
    "recipient_district = excluded.recipient_district")


def _changed(columns: tuple[str, ...], differ: str) -> str:
    return " OR ".join(f"OLD.{name} {differ} NEW.{name}" for name in columns)


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, body: list[str], when: str = "") -> str:
        condition = f" WHEN {when}" if when else ""
        return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN {'; '.join(body)}; END"

    add_action, remove_action = (_action_statements("sqlite", "NEW", _add),
                                 _action_statements("sqlite", "OLD", _subtract))
    add_delivery, remove_delivery = _delivery_statements("NEW", _add), _delivery_statements("OLD", _subtract)
    return [
        trigger("actions_count_insert", "INSERT ON actions", add_action),
        trigger("actions_count_delete", "DELETE ON actions", remove_action),
        trigger("actions_count_update", f"UPDATE OF {', '.join(ACTION_KEYS)} ON actions",
                remove_action + add_action, _changed(ACTION_KEYS, "IS NOT")),
        trigger("deliveries_count_insert", "INSERT ON deliveries", add_delivery + [NAME_OFFICE]),
        trigger("deliveries_count_delete", "DELETE ON deliveries", remove_delivery),
        trigger("deliveries_count_update", f"UPDATE OF {', '.join(DELIVERY_KEYS)} ON deliveries",
                remove_delivery + add_delivery, _changed(DELIVERY_KEYS, "IS NOT")),
        trigger("deliveries_rename_office", f"UPDATE OF {', '.join(OFFICE_NAMES)} ON deliveries", [NAME_OFFICE],
                f"NEW.kind = 'letter' AND ({_changed(OFFICE_NAMES, 'IS NOT')})"),
    ]


def _postgresql_triggers() -> list[str]:
    def function(name: str, remove: list[str], add: list[str]) -> str:
        body = "; ".join(remove) + "; END IF; IF TG_OP <> 'DELETE' THEN " + "; ".join(add)
        return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {body}; END IF; RETURN NULL; END $$")

    def trigger(name: str, event: str, run: str, when: str = "") -> str:
        condition = f" WHEN ({when})" if when else ""
        return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} EXECUTE FUNCTION {run}()"

    distinct = "IS DISTINCT FROM"
    return [
        function("count_action_change", _action_statements("postgresql", "OLD", _subtract),
                 _action_statements("postgresql", "NEW", _add)),
        function("count_delivery_change", _delivery_statements("OLD", _subtract), _delivery_statements("NEW", _add)),
        "CREATE FUNCTION name_letter_office() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{NAME_OFFICE}; RETURN NULL; END $$",
        trigger("actions_count_insert", "INSERT OR DELETE ON actions", "count_action_change"),
        trigger("actions_count_update", f"UPDATE OF {', '.join(ACTION_KEYS)} ON actions", "count_action_change",
                _changed(ACTION_KEYS, distinct)),
        trigger("deliveries_count_insert", "INSERT OR DELETE ON deliveries", "count_delivery_change"),
        trigger("deliveries_count_update", f"UPDATE OF {', '.join(DELIVERY_KEYS)} ON deliveries",
                "count_delivery_change", _changed(DELIVERY_KEYS, distinct)),
        trigger("deliveries_name_office", "INSERT ON deliveries", "name_letter_office", "NEW.kind = 'letter'"),
        trigger("deliveries_rename_office", f"UPDATE OF {', '.join(OFFICE_NAMES)} ON deliveries",
                "name_letter_office", f"NEW.kind = 'letter' AND ({_changed(OFFICE_NAMES, distinct)})"),
    ]


def backfill_statements(dialect: str) -> list[str]:
    """Totals of the rows already there, the same figures the triggers keep from now on."""
    hour, counted = _hour(dialect, "actions"), COUNTED.format(row="actions")
    return [
        "INSERT INTO action_counts_by_hour (campaign_slug, hour, total) "
        f"SELECT campaign_slug, {hour}, count(*) FROM actions WHERE {counted} GROUP BY campaign_slug, {hour}",  # nosec B608 - trigger SQL built from this module's own constants; no outside value
        "INSERT INTO action_counts_by_source (campaign_slug, source, total) "
        f"SELECT campaign_slug, source, count(*) FROM actions WHERE {counted} GROUP BY campaign_slug, source",  # nosec B608 - trigger SQL built from this module's own constants; no outside value
        "INSERT INTO action_counts_by_riding (campaign_slug, district, status, review, total) "
        "SELECT campaign_slug, district, status, review, count(*) FROM actions "
        "GROUP BY campaign_slug, district, status, review",
        "INSERT INTO delivery_counts (campaign_slug, kind, status, total) "
        "SELECT campaign_slug, kind, status, count(*) FROM deliveries GROUP BY campaign_slug, kind, status",
        "INSERT INTO letter_counts_by_office (campaign_slug, office_key, status, total) "
        "SELECT campaign_slug, office_key, status, count(*) FROM deliveries WHERE kind = 'letter' "
        "GROUP BY campaign_slug, office_key, status",
        "INSERT INTO letter_offices (campaign_slug, office_key, recipient_name, recipient_office, recipient_district) "
        "SELECT campaign_slug, office_key, max(recipient_name), max(recipient_office), max(recipient_district) "
        "FROM deliveries WHERE kind = 'letter' GROUP BY campaign_slug, office_key",
    ]


TABLES = {  # each counter table's key columns (name, length), then an integer total
    'action_counts_by_riding': (('campaign_slug', 80), ('district', 200), ('status', 16), ('review', 16)),
    'action_counts_by_hour': (('campaign_slug', 80), ('hour', 13)),
    'action_counts_by_source': (('campaign_slug', 80), ('source', 80)),
    'delivery_counts': (('campaign_slug', 80), ('kind', 16), ('status', 16)),
    'letter_counts_by_office': (('campaign_slug', 80), ('office_key', 320), ('status', 16)),
}
OFFICE_COLUMNS = (('campaign_slug', 80), ('office_key', 320), ('recipient_name', 200), ('recipient_office', 200),
                  ('recipient_district', 200))


def _columns(spec: tuple[tuple[str, int], ...]) -> list[sa.Column]:
    return [sa.Column(name, sa.String(length=size), nullable=False) for name, size in spec]
TRIGGERS = {'actions': ('actions_count_insert', 'actions_count_delete', 'actions_count_update'),
            'deliveries': ('deliveries_count_insert', 'deliveries_count_delete', 'deliveries_count_update',
                           'deliveries_name_office', 'deliveries_rename_office')}
FUNCTIONS = ('count_action_change', 'count_delivery_change', 'name_letter_office')


def upgrade() -> None:
    for table, key in TABLES.items():
        op.create_table(table, *_columns(key), sa.Column('total', sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint(*(name for name, _ in key), name=op.f(f'pk_{table}')),
                        sqlite_with_rowid=False)
    op.create_table('letter_offices', *_columns(OFFICE_COLUMNS),
                    sa.PrimaryKeyConstraint('campaign_slug', 'office_key', name=op.f('pk_letter_offices')),
                    sqlite_with_rowid=False)
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    for statement in backfill_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, names in TRIGGERS.items():
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    for table in ('letter_offices', *reversed(TABLES)):
        op.drop_table(table)
