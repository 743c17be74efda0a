"""state columns agree with their states: projects, tranches, objections

Revision ID: ff9994fcfc87
Revises: 933923edb2a3
Create Date: 2026-11-26 10:55:59.991017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ff9994fcfc87'
down_revision = '933923edb2a3'
branch_labels = None
depends_on = None


CHECKS = {
    "projects": {
        "signed_once_started": "signed_on IS NOT NULL OR status IN ('signing', 'terminated')",
        "completed_at_when_completed": "(status = 'completed') = (completed_at IS NOT NULL)",
    },
    "tranches": {
        "due_since_once_due": (
            "status IN ('pending', 'withheld', 'released') OR due_since IS NOT NULL"
        ),
        "closed_when_returned": "(status IN ('withheld', 'released')) = (closed_at IS NOT NULL)",
    },
    "objections": {
        "resolved_once_closed": (
            "(status = 'open') = (resolved_at IS NULL AND resolved_by_id IS NULL)"
        ),
    },
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, condition in checks.items():
                batch_op.create_check_constraint(name, condition)


def downgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
