"""attendance: check-in sessions and check-ins, verified participants on records and their summary,
the call's check-in tolerance and whether check-ins keep names

Revision ID: c18c7d3e5f30
Revises: c12e4a7b9d01
Create Date: 2026-12-03 14:09:21.299000

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "c18c7d3e5f30"
down_revision = "c12e4a7b9d01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("planned_activity_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("keeps_names", sa.Boolean(), nullable=False),
        sa.Column("token_generation", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("volunteer_minutes", sa.Integer(), nullable=False),
        sa.Column("details_deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_attendance_sessions_window")),
        sa.CheckConstraint(
            "participants >= 0 AND volunteers >= 0 AND volunteer_minutes >= 0 "
            "AND coalesce(expected, 0) >= 0 AND token_generation >= 1",
            name=op.f("ck_attendance_sessions_counts_nonnegative"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity_records.id"],
            name=op.f("fk_attendance_sessions_activity_id_activity_records"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_attendance_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["planned_activity_id"],
            ["planned_activities.id"],
            name=op.f("fk_attendance_sessions_planned_activity_id_planned_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_attendance_sessions_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_sessions")),
    )
    op.create_index(
        op.f("ix_attendance_sessions_activity_id"), "attendance_sessions", ["activity_id"]
    )
    op.create_index(
        op.f("ix_attendance_sessions_project_id"), "attendance_sessions", ["project_id"]
    )

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "participant",
                "volunteer",
                name="check_in_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        sa.Column("device_hash", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes >= 0", name=op.f("ck_check_ins_minutes_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["attendance_sessions.id"],
            name=op.f("fk_check_ins_session_id_attendance_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_check_ins_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint(
            "session_id", "device_hash", name=op.f("uq_check_ins_session_id_device_hash")
        ),
        sa.UniqueConstraint(
            "session_id", "person_hash", name=op.f("uq_check_ins_session_id_person_hash")
        ),
    )
    # added in place, not in a batch: on SQLite a batch rebuilds the table, which other
    # tables' foreign keys refuse once it has rows (and so no CHECK on these columns)
    for table, kind in (("activity_month", sa.BigInteger()), ("activity_records", sa.Integer())):
        op.add_column(
            table, sa.Column("verified_participants", kind, server_default="0", nullable=False)
        )
    op.add_column(
        "calls",
        sa.Column("attendance_tolerance", sa.SmallInteger(), server_default="20", nullable=False),
    )
    op.add_column(
        "calls",
        sa.Column(
            "attendance_keeps_names", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )


def downgrade():
    # not a batch: on SQLite that rebuilds the table, which other tables' foreign keys refuse
    # once it has rows (SQLite ≥ 3.35 and PostgreSQL both drop a column in place)
    op.execute("ALTER TABLE calls DROP COLUMN attendance_keeps_names")
    op.execute("ALTER TABLE calls DROP COLUMN attendance_tolerance")
    op.execute("ALTER TABLE activity_records DROP COLUMN verified_participants")
    op.execute("ALTER TABLE activity_month DROP COLUMN verified_participants")
    op.drop_table("check_ins")
    op.drop_table("attendance_sessions")
