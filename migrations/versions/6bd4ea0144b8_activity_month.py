"""activity_month: accepted activity records added up per project, domain and month, filled
from the records already accepted; indexes of each organisation's submitted applications and
of each project's records waiting for review

Revision ID: 6bd4ea0144b8
Revises: 7ed5db029ed0
Create Date: 2026-12-03 06:00:34.234039

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6bd4ea0144b8'
down_revision = '7ed5db029ed0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity_month',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.Enum('party_building', 'garbage_sorting', 'mental_health', 'smart_elderly_care', 'featured_community', 'education_training', name='domain', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('participants', sa.BigInteger(), nullable=False),
    sa.Column('volunteers', sa.BigInteger(), nullable=False),
    sa.Column('volunteer_hours', sa.Numeric(precision=14, scale=1), nullable=False),
    sa.Column('problems_solved', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('activities >= 0 AND participants >= 0 AND volunteers >= 0 AND volunteer_hours >= 0 AND problems_solved >= 0', name=op.f('ck_activity_month_counts_nonnegative')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_activity_month_project_id_projects')),
    sa.PrimaryKeyConstraint('project_id', 'domain', 'month', name=op.f('pk_activity_month'))
    )
    backfill()
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(
            'ix_applications_organization_submitted',
            ['organization_id', 'id'],
            unique=False,
            postgresql_where=sa.text('reference IS NOT NULL'),
            sqlite_where=sa.text('reference IS NOT NULL'),
        )
    with op.batch_alter_table('activity_records', schema=None) as batch_op:
        batch_op.create_index(
            'ix_activity_records_waiting',
            ['project_id'],
            unique=False,
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        )


def backfill():
    """The records accepted so far, in one pass (what projects.models.count_accepted keeps)."""
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(held_on, 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', held_on)"
    op.execute(
        "INSERT INTO activity_month (project_id, domain, month, activities, participants, "
        "volunteers, volunteer_hours, problems_solved) "
        f"SELECT project_id, domain, {month}, count(*), sum(participants), sum(volunteers), "
        "sum(volunteer_hours), sum(problems_solved) FROM activity_records "
        f"WHERE status = 'accepted' GROUP BY project_id, domain, {month}"
    )


def downgrade():
    with op.batch_alter_table('activity_records', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_records_waiting')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_organization_submitted')
    op.drop_table('activity_month')
