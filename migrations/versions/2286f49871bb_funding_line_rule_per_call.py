"""funding line rule per call: stop at the first application that does not fit, or fill

Revision ID: 2286f49871bb
Revises: ff9994fcfc87
Create Date: 2026-12-02 19:17:57.764144

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2286f49871bb'
down_revision = 'ff9994fcfc87'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.add_column(
            sa.Column('funding_line_rule', sa.String(length=32), nullable=False, server_default='stop')
        )
        batch_op.create_check_constraint(
            'funding_line_rule', "funding_line_rule IN ('stop', 'fill')"
        )


def downgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_constraint(op.f('ck_calls_funding_line_rule'), type_='check')
        batch_op.drop_column('funding_line_rule')
