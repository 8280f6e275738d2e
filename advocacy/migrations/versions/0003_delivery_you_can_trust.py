"""Delivery you can trust: confirmations, suppressions, pacing and digest columns, attachments, bounces

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:13:12.392972
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('address_flags',
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('bounces', sa.Integer(), nullable=False),
    sa.Column('first_seen', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_address_flags'))
    )
    op.create_table('confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_slug', sa.String(length=80), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_confirmations_token_hash'))
    )
    with op.batch_alter_table('confirmations', schema=None) as batch_op:
        batch_op.create_index('ix_confirmations_email', ['email_key', 'campaign_slug', 'created_at'], unique=False)

    op.create_table('petition_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_slug', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_milestones')),
    sa.UniqueConstraint('campaign_slug', 'key', name=op.f('uq_petition_milestones_campaign_slug'))
    )
    op.create_table('suppressions',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_suppressions'))
    )
    op.create_table('delivery_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_attachments_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attachments'))
    )
    with op.batch_alter_table('delivery_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attachments_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=2), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('confirmation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verified_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_actions_confirmation_id'), ['confirmation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_actions_confirmation_id_confirmations'), 'confirmations', ['confirmation_id'], ['id'])

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='letter', nullable=False))
        batch_op.add_column(sa.Column('target_group', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('policy', sa.String(length=16), server_default='individual', nullable=False))
        batch_op.add_column(sa.Column('office_key', sa.String(length=320), server_default='', nullable=False))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('return_token', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('bounced_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('action_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_deliveries_action', ['action_id'], unique=False)
        batch_op.create_index('ix_deliveries_office', ['office_key', 'status', 'sent_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_deliveries_return_token'), ['return_token'])
        batch_op.create_foreign_key(batch_op.f('fk_deliveries_digest_id_deliveries'), 'deliveries', ['digest_id'], ['id'])

    # Existing letters are paced by the inbox they go to.
    op.execute("UPDATE deliveries SET office_key = lower(recipient_email)")



def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliveries_digest_id_deliveries'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_deliveries_return_token'), type_='unique')
        batch_op.drop_index('ix_deliveries_office')
        batch_op.drop_index('ix_deliveries_action')
        batch_op.alter_column('action_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('bounced_at')
        batch_op.drop_column('return_token')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('office_key')
        batch_op.drop_column('policy')
        batch_op.drop_column('target_group')
        batch_op.drop_column('kind')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_actions_confirmation_id_confirmations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_actions_confirmation_id'))
        batch_op.drop_column('verified_at')
        batch_op.drop_column('confirmation_id')
        batch_op.drop_column('lang')

    with op.batch_alter_table('delivery_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attachments_delivery_id'))

    op.drop_table('delivery_attachments')
    op.drop_table('suppressions')
    op.drop_table('petition_milestones')
    with op.batch_alter_table('confirmations', schema=None) as batch_op:
        batch_op.drop_index('ix_confirmations_email')

    op.drop_table('confirmations')
    op.drop_table('address_flags')
