"""Rate limits tuned by staff, which limits tripped, and letter fingerprints (keyed hashes, no addresses or text)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 05:00:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_overrides',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rate_limit_overrides'))
    )
    op.create_table('rate_limit_trips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('key_hash', sa.String(length=32), nullable=False),
    sa.Column('hour', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_trips')),
    sa.UniqueConstraint('name', 'key_hash', 'hour', name=op.f('uq_rate_limit_trips_name'))
    )
    with op.batch_alter_table('rate_limit_trips', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_trips_last_at', ['last_at'], unique=False)

    op.create_table('letter_fingerprints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_hash', sa.String(length=32), nullable=False),
    sa.Column('campaign_slug', sa.String(length=80), nullable=False),
    sa.Column('fingerprint', sa.String(length=256), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_fingerprints'))
    )
    with op.batch_alter_table('letter_fingerprints', schema=None) as batch_op:
        batch_op.create_index('ix_letter_fingerprints_source', ['source_hash', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('letter_fingerprints', schema=None) as batch_op:
        batch_op.drop_index('ix_letter_fingerprints_source')
    op.drop_table('letter_fingerprints')
    with op.batch_alter_table('rate_limit_trips', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_trips_last_at')
    op.drop_table('rate_limit_trips')
    op.drop_table('rate_limit_overrides')
