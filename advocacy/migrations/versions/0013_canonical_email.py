"""actions.canonical_key: one signature per mailbox (Gmail's dots and +tags folded), not per spelling

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 06:00:00

Existing actions get their key from their email_key. Where two signatures on one petition already share a
mailbox (signed before this rule), the earlier keeps the key and the later ones keep NULL: every existing
signature still counts, and the next signature from that mailbox is refused as a repeat.
"""

from alembic import op
import sqlalchemy as sa

from advocacy.services.abuse import canonical_email


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 1000
_SIGNATURE = sa.text("kind = 'signature'")


def _backfill() -> None:
    actions = sa.table('actions', sa.column('id', sa.Integer), sa.column('campaign_slug', sa.String),
                       sa.column('kind', sa.String), sa.column('email_key', sa.String),
                       sa.column('canonical_key', sa.String))
    connection = op.get_bind()
    taken: set[tuple[str, str]] = set()
    changes = []
    rows = connection.execute(sa.select(actions.c.id, actions.c.campaign_slug, actions.c.kind, actions.c.email_key)
                              .order_by(actions.c.id))
    for action_id, slug, kind, email_key in rows:
        key = canonical_email(email_key)
        if kind == 'signature':
            if (slug, key) in taken:
                continue  # a repeat from before this rule: left NULL, still counted
            taken.add((slug, key))
        changes.append({'row_id': action_id, 'key': key})
    update = actions.update().where(actions.c.id == sa.bindparam('row_id')).values(canonical_key=sa.bindparam('key'))
    for start in range(0, len(changes), BATCH):
        connection.execute(update, changes[start:start + BATCH])


def upgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canonical_key', sa.String(length=320), nullable=True))
    _backfill()
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('uq_actions_signature_per_email', sqlite_where=_SIGNATURE, postgresql_where=_SIGNATURE)
        batch_op.create_index('uq_actions_signature_per_person', ['campaign_slug', 'canonical_key'], unique=True,
                              sqlite_where=_SIGNATURE, postgresql_where=_SIGNATURE)


def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('uq_actions_signature_per_person', sqlite_where=_SIGNATURE, postgresql_where=_SIGNATURE)
        batch_op.create_index('uq_actions_signature_per_email', ['campaign_slug', 'email_key'], unique=True,
                              sqlite_where=_SIGNATURE, postgresql_where=_SIGNATURE)
        batch_op.drop_column('canonical_key')
