"""Deliveries remember the directory key of the seat they are for, so waiting letters follow a new holder

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_key', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index('ix_deliveries_district', ['district_key', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_district')
        batch_op.drop_column('district_key')
