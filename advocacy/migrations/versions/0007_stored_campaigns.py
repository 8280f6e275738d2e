"""Campaigns made in the browser, and lifecycle changes to file campaigns

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'live', 'paused', 'closed')", name=op.f('ck_stored_campaigns_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_campaigns')),
    sa.UniqueConstraint('slug', name=op.f('uq_stored_campaigns_slug'))
    )
    revisions = op.create_table('catalog_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_revision'))
    )
    # The one row every web process reads to know whether its catalog is current.
    op.bulk_insert(revisions, [{'id': 1, 'revision': 0}])


def downgrade() -> None:
    op.drop_table('catalog_revision')
    op.drop_table('stored_campaigns')
