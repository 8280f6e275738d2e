"""Embed origins and webhooks per ally

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
