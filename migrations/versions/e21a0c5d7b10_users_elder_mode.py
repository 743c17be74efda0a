"""users.elder_mode: the elderly-friendly mode (长辈模式) remembered on the account

Revision ID: e21a0c5d7b10
Revises: c18c7d3e5f30
Create Date: 2026-12-03 14:20:00.000000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "e21a0c5d7b10"
down_revision = "c18c7d3e5f30"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("elder_mode", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    # dropped in place: a batch rebuild of users is refused by the other tables' foreign keys
    op.drop_column("users", "elder_mode")
