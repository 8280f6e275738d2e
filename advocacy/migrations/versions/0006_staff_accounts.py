"""Staff accounts, server-side sessions, recovery codes, login attempts and the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
