"""ix_audit_events_figures: the newest audit event that may change the results figures in one
lookup (log-ins and check-ins left out of the figures' version)

Revision ID: f15c0a2e7d48
Revises: e20b4f1a9c63
Create Date: 2026-12-03 16:10:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "f15c0a2e7d48"
down_revision = "e20b4f1a9c63"
branch_labels = None
depends_on = None

FIGURES_EVENTS = "action NOT LIKE 'user.%' AND action NOT LIKE 'attendance.checked_%'"


def upgrade():
    op.create_index(
        "ix_audit_events_figures",
        "audit_events",
        ["id"],
        unique=False,
        postgresql_where=sa.text(FIGURES_EVENTS),
        sqlite_where=sa.text(FIGURES_EVENTS),
    )


def downgrade():
    op.drop_index("ix_audit_events_figures", table_name="audit_events")
