"""The consent ledger and salted IP hashes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('campaign_slug', sa.String(length=80), nullable=False),
    sa.Column('ally_id', sa.Integer(), nullable=True),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('wording_sha256', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_consent_records_action_id_actions'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ally_id'], ['allies.id'], name=op.f('fk_consent_records_ally_id_allies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_records_action_id'), ['action_id'], unique=False)
        batch_op.create_index('ix_consent_records_email', ['email_hash', 'created_at'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', advocacy.models.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('ip_hash')

    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_records_email')
        batch_op.drop_index(batch_op.f('ix_consent_records_action_id'))

    op.drop_table('consent_records')
