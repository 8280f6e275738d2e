"""lookup cache, shared rate limiter, recipient snapshot

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:40:06.127081
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('postcode_lookups',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('boundaries', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('fetched_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_postcode_lookups'))
    )
    with op.batch_alter_table('postcode_lookups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postcode_lookups_fetched_at'), ['fetched_at'], unique=False)

    op.create_table('rate_buckets',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('updated', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_buckets'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('recipient_source_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('recipient_fetched_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('recipient_fetched_at')
        batch_op.drop_column('recipient_source_url')
        batch_op.drop_column('confidence')

    op.drop_table('rate_buckets')
    with op.batch_alter_table('postcode_lookups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postcode_lookups_fetched_at'))

    op.drop_table('postcode_lookups')
