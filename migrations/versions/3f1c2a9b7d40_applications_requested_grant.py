"""applications.requested_grant: the grant an application asks for (its grant budget lines
added up), kept by save_draft and filled from the lines already saved

Revision ID: 3f1c2a9b7d40
Revises: 6bd4ea0144b8
Create Date: 2026-12-03 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c2a9b7d40'
down_revision = '6bd4ea0144b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('requested_grant', sa.BigInteger(), server_default='0', nullable=False)
        )
    op.execute(
        "UPDATE applications SET requested_grant = COALESCE(("
        "SELECT SUM(budget_lines.unit_price * budget_lines.quantity) FROM budget_lines "
        "WHERE budget_lines.application_id = applications.id AND budget_lines.source = 'grant'"
        "), 0)"
    )


def downgrade():
    # not a batch: on SQLite that rebuilds the table, which other tables' foreign keys refuse
    # once it has rows (SQLite ≥ 3.35 and PostgreSQL both drop a column in place)
    op.execute('ALTER TABLE applications DROP COLUMN requested_grant')
