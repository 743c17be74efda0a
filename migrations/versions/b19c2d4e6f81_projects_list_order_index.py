"""ix_projects_list_order: the admin list of projects read page by page off an index in its
order (newest call first, then agreement number), the fortieth page as cheap as the first

Revision ID: b19c2d4e6f81
Revises: f15c0a2e7d48
Create Date: 2026-12-07 01:20:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "b19c2d4e6f81"
down_revision = "f15c0a2e7d48"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_projects_list_order",
        "projects",
        [sa.text("call_id DESC"), "agreement_number", "id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_projects_list_order", table_name="projects")
