"""Allies, their API keys (hashes only), and which ally brought each action with the consent given

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:33:26.337254
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('allies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('all_campaigns', sa.Boolean(), nullable=False),
    sa.Column('campaigns', sa.JSON(), nullable=False),
    sa.Column('opt_in_wording', sa.Text(), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allies')),
    sa.UniqueConstraint('slug', name=op.f('uq_allies_slug'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ally_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ally_id'], ['allies.id'], name=op.f('fk_api_keys_ally_id_allies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_ally_id'), ['ally_id'], unique=False)

    op.create_table('ally_actions',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('ally_id', sa.Integer(), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('opt_in', sa.Boolean(), nullable=False),
    sa.Column('opt_in_wording', sa.Text(), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_ally_actions_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ally_id'], ['allies.id'], name=op.f('fk_ally_actions_ally_id_allies')),
    sa.PrimaryKeyConstraint('action_id', name=op.f('pk_ally_actions'))
    )
    with op.batch_alter_table('ally_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ally_actions_ally_id'), ['ally_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ally_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ally_actions_ally_id'))

    op.drop_table('ally_actions')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_ally_id'))

    op.drop_table('api_keys')
    op.drop_table('allies')
