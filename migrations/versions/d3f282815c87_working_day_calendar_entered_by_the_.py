"""working-day calendar entered by the district

A year's State Council notice, its public holidays and make-up working days; a year entered
here decides over the chinesecalendar package.

Revision ID: d3f282815c87
Revises: b7e3c1d9a4f2
Create Date: 2026-12-02 19:55:37.852721

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f282815c87'
down_revision = 'b7e3c1d9a4f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source_title', sa.String(length=200), nullable=False),
    sa.Column('source_published_on', sa.Date(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_calendar_years_year_range')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_calendar_years_entered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_years')),
    sa.UniqueConstraint('year', name=op.f('uq_calendar_years_year'))
    )
    op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('holiday', 'makeup', name='calendar_day_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=True),
    sa.CheckConstraint("kind <> 'holiday' OR name IS NOT NULL", name=op.f('ck_calendar_days_holiday_named')),
    sa.ForeignKeyConstraint(['year_id'], ['calendar_years.id'], name=op.f('fk_calendar_days_year_id_calendar_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('day', name=op.f('uq_calendar_days_day'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year_id'), ['year_id'], unique=False)



def downgrade():
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year_id'))

    op.drop_table('calendar_days')
    op.drop_table('calendar_years')
