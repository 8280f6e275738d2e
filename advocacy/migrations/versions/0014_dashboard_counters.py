"""Dashboard counters: running totals of actions and deliveries, fed by triggers through change logs (models/counters.py)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 08:00:00

Triggers rather than application code record every change, so every path that writes actions or deliveries
(the signing fast path's Core inserts, letters, confirmations, review, erasure, the retention purge, expiry,
the worker) is seen. A trigger only appends a row (+1 or -1 and the row's keys) to a change log: plain inserts
never wait for each other, so concurrent signers, letter writers and worker claims never queue on a shared
total. Housekeeping folds the logs into the totals in its own short transaction (services/counters.py), and
readers add the rows not yet folded. The triggers are created before the backfill: on PostgreSQL creating a
trigger locks the table against writes until this migration commits, so no row is counted twice or missed;
SQLite holds its write lock the same way. The backfill writes straight into the totals.
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


def _action_change(dialect: str, row: str, delta: int) -> str:
    """One row of action_count_changes: the action's keys (its hour already cut) and +1 or -1."""
    return ("INSERT INTO action_count_changes (campaign_slug, district, status, review, source, hour, delta) "  # nosec B608 - trigger SQL built from this module's own constants; no outside value
            f"VALUES ({row}.campaign_slug, {row}.district, {row}.status, {row}.review, {row}.source, "
            f"{_hour(dialect, row)}, {delta})")


def _delivery_change(row: str, delta: int) -> str:
    # Only a letter's office address is kept: a confirmation or receipt is addressed to the supporter, and
    # their address must not outlive an erasure or the retention purge in a counter's log.
    return ("INSERT INTO delivery_count_changes (campaign_slug, kind, status, office_key, delta) "  # nosec B608 - trigger SQL built from this module's own constants; no outside value
            f"VALUES ({row}.campaign_slug, {row}.kind, {row}.status, "
            f"CASE WHEN {row}.kind = 'letter' THEN {row}.office_key ELSE '' END, {delta})")


NAME_OFFICE = (  # the letter's recipient, as its inbox's name on the dashboard; the latest row wins
    "INSERT INTO letter_office_changes (campaign_slug, office_key, recipient_name, recipient_office, "
    "recipient_district) VALUES (NEW.campaign_slug, NEW.office_key, NEW.recipient_name, NEW.recipient_office, "
    "NEW.recipient_district)")


def _changed(columns: tuple[str, ...], differ: str) -> str:
    return " OR ".join(f"OLD.{name} {differ} NEW.{name}" for name in columns)


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, event: str, body: list[str], when: str = "") -> str:
        condition = f" WHEN {when}" if when else ""
        return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN {'; '.join(body)}; END"

    add_action, remove_action = _action_change("sqlite", "NEW", 1), _action_change("sqlite", "OLD", -1)
    add_delivery, remove_delivery = _delivery_change("NEW", 1), _delivery_change("OLD", -1)
    return [
        trigger("actions_count_insert", "INSERT ON actions", [add_action]),
        trigger("actions_count_delete", "DELETE ON actions", [remove_action]),
        trigger("actions_count_update", f"UPDATE OF {', '.join(ACTION_KEYS)} ON actions",
                [remove_action, add_action], _changed(ACTION_KEYS, "IS NOT")),
        trigger("deliveries_count_insert", "INSERT ON deliveries", [add_delivery]),
        trigger("deliveries_count_delete", "DELETE ON deliveries", [remove_delivery]),
        trigger("deliveries_count_update", f"UPDATE OF {', '.join(DELIVERY_KEYS)} ON deliveries",
                [remove_delivery, add_delivery], _changed(DELIVERY_KEYS, "IS NOT")),
        trigger("deliveries_name_office", "INSERT ON deliveries", [NAME_OFFICE], "NEW.kind = 'letter'"),
        trigger("deliveries_rename_office", f"UPDATE OF {', '.join(OFFICE_NAMES)} ON deliveries", [NAME_OFFICE],
                f"NEW.kind = 'letter' AND ({_changed(OFFICE_NAMES, 'IS NOT')})"),
    ]


def _postgresql_triggers() -> list[str]:
    def function(name: str, remove: str, add: str) -> str:
        return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {remove}; END IF; IF TG_OP <> 'DELETE' THEN {add}; END IF; "
                "RETURN NULL; END $$")

    def trigger(name: str, event: str, run: str, when: str = "") -> str:
        condition = f" WHEN ({when})" if when else ""
        return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} EXECUTE FUNCTION {run}()"

    distinct = "IS DISTINCT FROM"
    return [
        function("count_action_change", _action_change("postgresql", "OLD", -1),
                 _action_change("postgresql", "NEW", 1)),
        function("count_delivery_change", _delivery_change("OLD", -1), _delivery_change("NEW", 1)),
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
LOGS = {  # the triggers' change logs (append only): an id, the changed row's keys, and +1/-1 where it counts
    'action_count_changes': (('campaign_slug', 80), ('district', 200), ('status', 16), ('review', 16),
                             ('source', 80), ('hour', 13)),
    'delivery_count_changes': (('campaign_slug', 80), ('kind', 16), ('status', 16), ('office_key', 320)),
    'letter_office_changes': OFFICE_COLUMNS,
}


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
    for table, columns in LOGS.items():
        delta = [] if table == 'letter_office_changes' else [sa.Column('delta', sa.Integer(), nullable=False)]
        op.create_table(table, sa.Column('id', sa.Integer(), nullable=False), *_columns(columns), *delta,
                        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')))
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
    for table in (*reversed(LOGS), 'letter_offices', *reversed(TABLES)):
        op.drop_table(table)
