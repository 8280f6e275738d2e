"""No schema change: kept so the revision chain stays linear (0010 -> 0011 -> 0012)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
