"""The review queue for held and flagged actions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 03:50:00
"""

from alembic import op
import sqlalchemy as sa
import advocacy.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('review_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('flagged_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', advocacy.models.base.UTCDateTime(timezone=True), nullable=True))
        # An erased supporter's actions stay, anonymised and without a supporter, so counts do not change.
        batch_op.alter_column('supporter_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_index('ix_actions_campaign_status')
        batch_op.create_index('ix_actions_campaign_status', ['campaign_slug', 'status', 'review'], unique=False)
        batch_op.create_index('ix_actions_review_queue', ['review', 'flagged_at'], unique=False,
                              sqlite_where=sa.text("review = 'pending'"),
                              postgresql_where=sa.text("review = 'pending'"))


def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_review_queue', sqlite_where=sa.text("review = 'pending'"),
                            postgresql_where=sa.text("review = 'pending'"))
        batch_op.drop_index('ix_actions_campaign_status')
        batch_op.create_index('ix_actions_campaign_status', ['campaign_slug', 'status'], unique=False)
        batch_op.alter_column('supporter_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('flagged_at')
        batch_op.drop_column('review_note')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('review')
