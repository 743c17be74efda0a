"""figure_snapshots: the district's figures as a worker computed them at a version of the data

Revision ID: c12e4a7b9d01
Revises: 3f1c2a9b7d40
Create Date: 2026-12-03 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "c12e4a7b9d01"
down_revision = "3f1c2a9b7d40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "figure_snapshots",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=400), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_figure_snapshots")),
    )


def downgrade():
    op.drop_table("figure_snapshots")
